package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.config.Setting;
import dev.switchboard.infra.bench.AwsCallCounter;
import dev.switchboard.testing.ScriptedOpenAiServer;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bound on how late a cancel or a resume reaches a streaming turn, with the default {@code CANCEL_POLL_MILLIS}
 * (1 s), on a stack of its own: the worker reads the session at most once per second of streaming, a cancel recorded
 * mid-stream ends the turn within one interval (plus storing the answer and posting {@code done}), and a connection
 * that asks to resume a running turn is served by the worker within one interval. Prints {@code cancel bound: …}.
 */
class CancelBoundIT {
    private static final String LONG = "[long]";
    private static final int WORDS = 300;
    /** The scripted model's pause between words: a long answer streams for about 6 s. */
    private static final Duration WORD_DELAY = Duration.ofMillis(20);
    private static final Duration TURN = Duration.ofSeconds(60);
    private static final long BOUND_MILLIS = Long.parseLong(Setting.CANCEL_POLL_MILLIS.defaultValue());
    /**
     * What a cancel's end takes besides the wait for the worker's read, on this shared 2-core machine: the read
     * itself, storing the answer, settling the session and posting {@code done} (each a local round trip).
     */
    private static final long END_ALLOWANCE_MILLIS = 700;

    private static ScriptedOpenAiServer model;
    private static LocalStack stack;
    private static final AwsCallCounter COUNTER = new AwsCallCounter(false);
    /** A user per test: no other turn's memory job reads storage while a test counts. */
    private final String user = "cancel-bound-" + java.util.UUID.randomUUID();

    @BeforeAll
    static void start() {
        model = ScriptedOpenAiServer.start(body -> body.toString().contains(LONG)
                ? ScriptedOpenAiServer.Reply.text(Collections.nCopies(WORDS, "word ").toArray(String[]::new))
                : ScriptedOpenAiServer.defaultScript().reply(body), WORD_DELAY);
        // CANCEL_POLL_MILLIS is left at its default: the bound measured is the one documented
        stack = LocalStack.start(LocalStack.Options.defaults()
                .withAwsInterceptors(List.of(COUNTER))
                .withEnv(Map.of("MODELS", StackFixture.SCRIPTED, "OPENAI_BASE_URL", model.baseUrl())));
    }

    @AfterAll
    static void stop() {
        stack.close();
        model.close();
    }

    @Test
    void theWorkerReadsTheSessionAtMostOncePerSecondOfStreaming() {
        try (WsClient c = connect()) {
            String turn = send(c, session(c), "r-1", LONG + " read count");
            JsonNode first = firstDelta(c, turn);
            long readsBefore = workerGetItems();
            JsonNode done = c.await(WsClient.doneOf(turn), TURN);
            long reads = workerGetItems() - readsBefore;
            double streamingSeconds = (c.arrivedAt(done) - c.arrivedAt(first)) / 1e9;
            System.out.printf("cancel bound: %d session reads in %.2f s of streaming (%.2f per s)%n", reads,
                    streamingSeconds, reads / streamingSeconds);
            assertThat(done.path("finishReason").asText()).isNotEqualTo("CANCELLED");
            assertThat(streamingSeconds).as("the answer streamed long enough to count").isGreaterThan(3);
            assertThat((double) reads).as("worker GetItems between the first delta and done")
                    .isLessThanOrEqualTo(Math.ceil(streamingSeconds * 1000 / BOUND_MILLIS));
        }
    }

    @Test
    void aCancelEndsTheStreamingTurnWithinTheBound() {
        long worst = 0;
        try (WsClient c = connect()) {
            String session = session(c);
            // three cancels at different phases of the worker's 1-s read schedule
            for (int i = 0; i < 3; i++) {
                String turn = send(c, session, "c-" + i, LONG + " cancel " + i);
                JsonNode first = firstDelta(c, turn);
                sleepUntil(c.arrivedAt(first) + TimeUnit.MILLISECONDS.toNanos(1_200 + 330L * i));
                JsonNode requested = c.request("{\"action\":\"cancel\",\"sessionId\":\"" + session + "\"}",
                        "cancelRequested", "error");
                assertThat(requested.path("type").asText()).as(requested.toString()).isEqualTo("cancelRequested");
                JsonNode done = c.await(WsClient.doneOf(turn), TURN);
                assertThat(done.path("finishReason").asText()).isEqualTo("CANCELLED");
                worst = Math.max(worst, TimeUnit.NANOSECONDS.toMillis(c.arrivedAt(done) - c.arrivedAt(requested)));
            }
        }
        System.out.printf("cancel bound: cancelRequested → done(CANCELLED) at most %d ms (bound %d ms + %d ms to "
                + "store and post)%n", worst, BOUND_MILLIS, END_ALLOWANCE_MILLIS);
        assertThat(worst).isLessThanOrEqualTo(BOUND_MILLIS + END_ALLOWANCE_MILLIS);
    }

    @Test
    void aResumeOfARunningTurnIsServedByTheWorkerWithinTheBound() {
        try (WsClient c = connect(); WsClient other = connect()) {
            String session = session(c);
            String turn = send(c, session, "m-1", LONG + " resume");
            JsonNode first = firstDelta(c, turn);
            sleepUntil(c.arrivedAt(first) + TimeUnit.MILLISECONDS.toNanos(1_500));
            JsonNode reply = other.request("{\"action\":\"resume\",\"sessionId\":\"" + session + "\",\"turnId\":\""
                    + turn + "\",\"lastSeq\":0}", "resumed", "error");
            assertThat(reply.path("status").asText()).as(reply.toString()).isEqualTo("running");
            JsonNode served = other.await(f -> "resumed".equals(f.path("type").asText()) && f != reply
                    && other.arrivedAt(f) > other.arrivedAt(reply), TURN);
            long millis = TimeUnit.NANOSECONDS.toMillis(other.arrivedAt(served) - other.arrivedAt(reply));
            System.out.printf("cancel bound: resume (running) → the worker's resumed in %d ms (bound %d ms)%n",
                    millis, BOUND_MILLIS);
            assertThat(millis).isLessThanOrEqualTo(BOUND_MILLIS + END_ALLOWANCE_MILLIS);
            other.await(WsClient.doneOf(turn), TURN);
        }
    }

    private static long workerGetItems() {
        return COUNTER.snapshot().byFunction().getOrDefault("WorkerFunction/DynamoDb.GetItem", 0L);
    }

    private WsClient connect() {
        return WsClient.connect(stack.webSocketUrl(), stack.tokens().issue(user, Duration.ofHours(1)));
    }

    private static String session(WsClient c) {
        return c.request("{\"action\":\"createSession\",\"model\":\"" + StackFixture.SCRIPTED + "\"}", "session")
                .path("session").path("sessionId").asText();
    }

    private static String send(WsClient c, String session, String clientMessageId, String text) {
        JsonNode accepted = c.request("{\"action\":\"sendMessage\",\"clientMessageId\":\"" + clientMessageId
                + "\",\"sessionId\":\"" + session + "\",\"text\":\"" + text + "\"}", "accepted", "error");
        assertThat(accepted.path("type").asText()).as(accepted.toString()).isEqualTo("accepted");
        return accepted.path("turnId").asText();
    }

    private static JsonNode firstDelta(WsClient c, String turn) {
        return c.await(f -> "delta".equals(f.path("type").asText()) && turn.equals(f.path("turnId").asText()), TURN);
    }

    private static void sleepUntil(long nanoTime) {
        long left = nanoTime - System.nanoTime();
        if (left > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
