package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.config.Setting;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Reliability scenario "enqueue failure": 20 sessions, one user each, × 10 messages sent back to back (each as soon as
 * the previous one is accepted), on a stack of its own where {@value #REFUSED_PERCENT} % of all {@code SendMessage}
 * calls are refused ({@link RefusedSendMessage}, installed like the throttling scenario's proxy). The retry is off
 * ({@code ENQUEUE_ATTEMPTS=1}), so every refused send goes to the durable hold at once and the sweep (every
 * {@value QueuePoller#SWEEP_SECONDS} s here, every minute on AWS) has to send it, with the session's later messages
 * held behind it. Every accepted turn is answered exactly once and in send order, checked in the Messages table and
 * the frames. Prints {@code enqueue failure: runs, lost, duplicated, leaked} with the refused calls, the jobs held and
 * the sweeps.
 */
class EnqueueFailureIT {
    private static final int SESSIONS = 20;
    private static final int MESSAGES = 10;
    private static final int REFUSED_PERCENT = 20;
    /** Tries of one sendMessage by the client (the first and the resends after an error reply). */
    private static final int CLIENT_TRIES = 5;

    @Test
    void everyAcceptedTurnIsAnsweredOnceWhileAFifthOfSendMessageCallsAreRefused() throws Exception {
        long started = System.nanoTime();
        RefusedSendMessage refusals = new RefusedSendMessage(REFUSED_PERCENT, 7);
        try (LocalStack stack = LocalStack.start(LocalStack.Options.defaults()
                .withPollers(4)
                .withEnv(Map.of("OFFLINE_DELAY_MILLIS", "5", "DELTA_FLUSH_MILLIS", "40",
                        Setting.ENQUEUE_ATTEMPTS.name(), "1"))
                .withAwsInterceptors(List.of(refusals)))) {
            List<WsClient> clients = new ArrayList<>();
            List<String> sessionIds = new ArrayList<>();
            try {
                for (int s = 0; s < SESSIONS; s++) {
                    WsClient c = WsClient.connect(stack.webSocketUrl(), stack.tokens().issue(user(s),
                            Duration.ofHours(1)));
                    clients.add(c);
                    sessionIds.add(c.request("{\"action\":\"createSession\"}", "session").path("session")
                            .path("sessionId").asText());
                }
                int resends = sendAll(clients, sessionIds);
                long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                for (WsClient c : clients) {
                    while (c.frames.stream().filter(WsClient.type("done")).count() < MESSAGES
                            && System.nanoTime() < deadline) {
                        Thread.sleep(50);
                    }
                }
                String table = stack.environment("MessageFunction").get(Setting.MESSAGES_TABLE.name());
                ScenarioFigures figures = new ScenarioFigures();
                List<String> sent = IntStream.range(0, MESSAGES).mapToObj(EnqueueFailureIT::text).toList();
                for (int s = 0; s < SESSIONS; s++) {
                    figures.countSession(clients.get(s), sessionIds.get(s), sent,
                            ScenarioFigures.storedInTable(stack, table, user(s), sessionIds.get(s)));
                }
                System.out.println(figures.line("enqueue failure", ("%d of %d SendMessage calls refused (%.1f %%), "
                        + "%d jobs held for the sweep, %d sweeps, %d client resends, %d s").formatted(
                        refusals.refused(), refusals.calls(), 100.0 * refusals.refused() / refusals.calls(),
                        refusals.refusedJobs(), stack.workerSweeps(), resends,
                        Duration.ofNanos(System.nanoTime() - started).toSeconds())));
                figures.assertClean();
                assertThat(refusals.refused()).as("the injection happened")
                        .isGreaterThan(refusals.calls() * (REFUSED_PERCENT - 8) / 100);
                assertThat(resends).as("no client needed to resend: every refused turn was held, not failed")
                        .isZero();
            } finally {
                clients.forEach(WsClient::close);
            }
        }
    }

    /** Every session sends its messages back to back (resending one whose reply is an error), all sessions at once. */
    private static int sendAll(List<WsClient> clients, List<String> sessionIds) throws Exception {
        AtomicInteger resends = new AtomicInteger();
        List<Future<?>> running = new ArrayList<>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int s = 0; s < SESSIONS; s++) {
                WsClient c = clients.get(s);
                String sessionId = sessionIds.get(s);
                running.add(pool.submit(() -> {
                    for (int i = 0; i < MESSAGES; i++) {
                        String send = "{\"action\":\"sendMessage\",\"clientMessageId\":\"q-" + i
                                + "\",\"sessionId\":\"" + sessionId + "\",\"text\":\"" + text(i) + "\"}";
                        for (int attempt = 1; attempt <= CLIENT_TRIES; attempt++) {
                            JsonNode reply = c.request(send, Duration.ofSeconds(30), "accepted", "error");
                            if ("accepted".equals(reply.path("type").asText())) {
                                break;
                            }
                            resends.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
        }
        for (Future<?> f : running) {
            f.get();
        }
        return resends.get();
    }

    private static String user(int s) {
        return "refused-" + s;
    }

    private static String text(int i) {
        return "queued message " + i;
    }
}
