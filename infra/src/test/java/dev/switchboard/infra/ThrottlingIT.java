package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Reliability scenario "throttling": 20 sessions, one user each, × 10 messages sent back to back (each as soon as the
 * previous one is accepted), on a stack of its own whose functions see {@value #THROTTLED_PERCENT} % of their
 * DynamoDB attempts throttled ({@link ThrottledDynamoDb}: HTTP 400 ProvisionedThroughputExceededException, not
 * applied, retried by the SDK). Every message is stored once, answered once and in send order, checked in the
 * Messages table itself (read past the throttling); no frame reaches another user. A client resends a message whose
 * {@code sendMessage} failed, with the same clientMessageId, as a real one would. Prints
 * {@code throttling: runs, lost, duplicated, leaked} with the throttled attempts, the SDK's retries and the turns the
 * queue had to redeliver.
 */
class ThrottlingIT {
    private static final int SESSIONS = 20;
    private static final int MESSAGES = 10;
    private static final int THROTTLED_PERCENT = 20;
    /**
     * Longer than a batch of turns takes here while throttled, so a turn comes back only when its delivery failed
     * (as on AWS, where it is six times the worker's timeout); short enough for such a retry to show within the test.
     */
    private static final int VISIBILITY_SECONDS = 30;
    /** Concurrent worker invocations, as Lambda scales a FIFO queue's consumers with its message groups. */
    private static final int POLLERS = 10;

    @Test
    void everyTurnIsStoredAndAnsweredOnceWhileAFifthOfDynamoDbAttemptsAreThrottled() throws Exception {
        long started = System.nanoTime();
        try (ThrottledDynamoDb throttle = ThrottledDynamoDb.start(THROTTLED_PERCENT, 20);
             LocalStack stack = LocalStack.start(LocalStack.Options.defaults()
                     .withVisibility(VISIBILITY_SECONDS)
                     .withPollers(POLLERS)
                     .withEnv(Map.of("OFFLINE_DELAY_MILLIS", "15", "DELTA_FLUSH_MILLIS", "40"))
                     .withAwsInterceptors(List.of(throttle)))) {
            List<WsClient> clients = new ArrayList<>();
            try {
                List<String> sessionIds = connectAndCreateSessions(stack, clients);
                run(stack, throttle, clients, sessionIds, started);
            } finally {
                clients.forEach(WsClient::close);
            }
        }
    }

    /** Every user connects and creates a session, all at once (their DynamoDB calls are throttled too). */
    private static List<String> connectAndCreateSessions(LocalStack stack, List<WsClient> clients) throws Exception {
        List<String> sessionIds = new ArrayList<>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<WsClient>> connected = new ArrayList<>();
            for (int s = 0; s < SESSIONS; s++) {
                String user = user(s);
                connected.add(pool.submit(() -> WsClient.connect(stack.webSocketUrl(),
                        stack.tokens().issue(user, Duration.ofHours(1)))));
            }
            for (Future<WsClient> c : connected) {
                clients.add(c.get());
            }
            List<Future<JsonNode>> created = new ArrayList<>();
            for (WsClient c : clients) {
                created.add(pool.submit(() -> c.request("{\"action\":\"createSession\"}", Duration.ofSeconds(30),
                        "session")));
            }
            for (Future<JsonNode> c : created) {
                sessionIds.add(c.get().path("session").path("sessionId").asText());
            }
        }
        return sessionIds;
    }

    /**
     * Every session sends its messages back to back (resending one whose reply is an error), all sessions at once;
     * then the answers are awaited, counted against the Messages table and the frames, and the line is printed.
     */
    private static void run(LocalStack stack, ThrottledDynamoDb throttle, List<WsClient> clients,
                            List<String> sessionIds, long started) throws Exception {
        BackToBackSends load = new BackToBackSends(clients, sessionIds, MESSAGES, ThrottlingIT::user,
                ThrottlingIT::text);
        int resends = load.send();
        ScenarioFigures figures = load.awaitAndCount(stack, Duration.ofSeconds(60));
        ThrottledDynamoDb.Figures dynamo = throttle.settledFigures(Duration.ofSeconds(15));
        System.out.println(figures.line("throttling", ("%d of %d DynamoDB attempts throttled (%.1f %%), %d SDK "
                + "retries, %d calls given up by the SDK, %d client resends, %d turn redeliveries, %d s")
                .formatted(dynamo.throttled(), dynamo.attempts(), 100.0 * dynamo.throttled() / dynamo.attempts(),
                        dynamo.retries(), dynamo.gaveUp(), resends, stack.workerRedeliveries(),
                        Duration.ofNanos(System.nanoTime() - started).toSeconds())));
        figures.assertClean();
        // the injection really happened, and the throttled attempts were retried by the SDK (a retry still in its
        // backoff when the figures are read may be missing: the bound leaves room for a few)
        assertThat(dynamo.throttled()).isGreaterThan(dynamo.attempts() * (THROTTLED_PERCENT - 5) / 100);
        assertThat(dynamo.retries()).isGreaterThanOrEqualTo((dynamo.throttled() - dynamo.gaveUp()) * 99 / 100);
    }

    private static String user(int s) {
        return "throttled-" + s;
    }

    private static String text(int i) {
        return "throttled message " + i;
    }
}
