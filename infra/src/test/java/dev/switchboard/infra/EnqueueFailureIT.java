package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.config.Setting;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
                BackToBackSends load = new BackToBackSends(clients, sessionIds, MESSAGES, EnqueueFailureIT::user,
                        EnqueueFailureIT::text);
                int resends = load.send();
                ScenarioFigures figures = load.awaitAndCount(stack, Duration.ofSeconds(90));
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

    private static String user(int s) {
        return "refused-" + s;
    }

    private static String text(int i) {
        return "queued message " + i;
    }
}
