package dev.switchboard.infra;

import static dev.switchboard.infra.LongRunFrames.lostAndDuplicated;
import static dev.switchboard.infra.LongRunFrames.ofType;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.adapter.dynamodb.DynamoDbMessageStore;
import dev.switchboard.config.Setting;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.StreamMarks;
import dev.switchboard.protocol.ProtocolCodec;
import dev.switchboard.testing.ClientView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * The hand-off's remaining scenarios (issue 15) on a stack set up like {@link LongRunIT}'s (3 s worker timeout, the
 * bench model streaming {@code tok1 … tok75} over ~15 s, so a run is handed on about six times): a {@code cancel} while
 * the record is between two invocations and one in a later segment; a connection dropped mid-run and resumed on a new
 * one between two invocations and in a later segment; a worker that dies mid-segment after a hand-off. Each checks
 * the client's view (what a client shows, built from the frames it got, {@link ClientView}) against the stored
 * answer. {@link Hooks}, an SDK interceptor in the functions' clients, watches the worker's checkpoint writes and,
 * for the turn a test names, holds the next delivery's run claim (so the test acts while the run is between
 * invocations) or lets a checkpoint write hang until the stack ends the invocation at its timeout (the worker dies).
 */
class LongRunScenariosIT {
    private static final int TIMEOUT_SECONDS = 3;
    private static final int ANSWER_TOKENS = 75;
    private static final Duration RUN = Duration.ofSeconds(120);
    private static final Hooks HOOKS = new Hooks();
    private static LocalStack stack;
    private static DynamoDbMessageStore messages;
    private final ProtocolCodec codec = new ProtocolCodec();

    @BeforeAll
    static void start() {
        stack = LocalStack.start(LocalStack.Options.defaults()
                .withWorkerTimeout(TIMEOUT_SECONDS)
                .withVisibility(1)
                .withAwsInterceptors(List.of(HOOKS))
                .withEnv(Map.of("MODELS", "bench:slow", "BENCH_FIRST_TOKEN_MILLIS", "100",
                        "BENCH_TOKENS_PER_SECOND", "5", "BENCH_ANSWER_TOKENS", Integer.toString(ANSWER_TOKENS),
                        "CANCEL_POLL_MILLIS", "200")));
        // as in LongRunIT, the template's turns queue and worker settings as they are: its maxReceiveCount
        // (MAX_RECEIVE_COUNT + RunMaxHandoffs) covers the hand-offs
        messages = new DynamoDbMessageStore(stack.dynamo(),
                stack.environment("WorkerFunction").get(Setting.MESSAGES_TABLE.name()));
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    /** The whole answer the bench model streams. */
    private static String wholeAnswer() {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= ANSWER_TOKENS; i++) {
            b.append("tok").append(i).append(' ');
        }
        return b.toString();
    }

    private static StoredMessage stored(String user, String session, String turn) {
        return LongRunFrames.answer(messages, user, session, turn);
    }

    private static WsClient connect(String user) {
        return WsClient.connect(stack.webSocketUrl(), stack.tokens().issue(user, Duration.ofHours(1)));
    }

    /** A long turn sent on {@code c}: [sessionId, turnId]. */
    private static String[] send(WsClient c) {
        JsonNode accepted = c.request("{\"action\":\"sendMessage\",\"clientMessageId\":\"l-" + UUID.randomUUID()
                + "\",\"text\":\"tell me a long story\"}", "accepted");
        return new String[] {accepted.path("sessionId").asText(), accepted.path("turnId").asText()};
    }



    private ClientView view(List<JsonNode> frames) {
        ClientView view = new ClientView();
        frames.forEach(f -> view.apply(codec.readEvent(f.toString())));
        return view;
    }

    /** Frames of the turn that arrived after its {@code done}, a few seconds on (a segment still streaming). */
    private static int afterDone(WsClient c, String turn) throws InterruptedException {
        Thread.sleep(TIMEOUT_SECONDS * 1_000L);
        List<JsonNode> frames = c.ofTurn(turn);
        int done = IntStream.range(0, frames.size()).filter(i -> WsClient.doneOf(turn).test(frames.get(i)))
                .findFirst().orElseThrow();
        return frames.size() - 1 - done;
    }

    private void cancelledWithItsStreamStored(String scenario, WsClient c, String user, String session, String turn,
                                              long invocationsBefore) throws InterruptedException {
        JsonNode done = c.await(WsClient.doneOf(turn), RUN);
        int after = afterDone(c, turn);
        List<JsonNode> frames = c.ofTurn(turn);
        List<JsonNode> deltas = ofType(frames, "delta");
        int[] ld = lostAndDuplicated(deltas);
        StringBuilder streamed = new StringBuilder();
        deltas.forEach(d -> streamed.append(d.path("text").asText()));
        StoredMessage answer = stored(user, session, turn);
        int handoffs = done.path("timings").path("handoffs").asInt(0);
        System.out.println("scenario: long-run-" + scenario + " runs=" + (stack.workerInvocations() - invocationsBefore)
                + ", hand-offs=" + handoffs + ", deltas=" + deltas.size() + ", lost=" + ld[0] + ", duplicated="
                + ld[1] + ", after-done=" + after);

        assertThat(done.path("finishReason").asText()).isEqualTo("CANCELLED");
        assertThat(ofType(frames, "done")).as("done once").hasSize(1);
        assertThat(after).as("frames of the turn after its done").isZero();
        assertThat(ofType(frames, "restart")).isEmpty();
        assertThat(ld).as("lost, duplicated").containsExactly(0, 0);
        assertThat(done.path("deltas").asInt()).isEqualTo(deltas.size());
        assertThat(handoffs).as("the run was handed on before the cancel").isGreaterThanOrEqualTo(1);
        assertThat(answer).isNotNull();
        assertThat(answer.status()).isEqualTo(StoredMessage.CANCELLED);
        assertThat(answer.text()).as("stored byte for byte as streamed").isEqualTo(streamed.toString());
        assertThat(wholeAnswer()).as("a part of the answer").startsWith(answer.text()).isNotEqualTo(answer.text());
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(messages.checkpoint(user, session, turn)).as("checkpoint cleared").isEmpty());
    }

    @Test
    void aCancelWhileTheRecordIsBetweenInvocationsStopsTheRunWithTheCheckpointsTextStored() throws Exception {
        String user = "long-cancel-between";
        long before = stack.workerInvocations();
        try (WsClient c = connect(user)) {
            String[] st = send(c);
            String session = st[0];
            String turn = st[1];
            // the second delivery's claim waits until the cancel is recorded: the first segment handed off, the
            // next has not started
            CountDownLatch release = HOOKS.holdClaim(turn, 2);
            HOOKS.awaitHeld(turn, RUN);
            List<String> checkpoints = HOOKS.checkpoints(turn);
            assertThat(checkpoints).hasSize(1);
            int nextSeq = StreamMarks.decode(checkpoints.getFirst()).deltas();
            JsonNode reply = c.request("{\"action\":\"cancel\",\"sessionId\":\"" + session + "\",\"turnId\":\"" + turn
                    + "\"}", "cancelRequested", "error");
            assertThat(reply.path("type").asText()).as(reply.toString()).isEqualTo("cancelRequested");
            release.countDown();

            cancelledWithItsStreamStored("cancel-between", c, user, session, turn, before);
            assertThat(ofType(c.ofTurn(turn), "delta")).as("nothing streamed after the checkpoint").hasSize(nextSeq);
        }
    }

    @Test
    void aCancelInALaterSegmentStopsTheRunWithWhatStreamedStored() throws Exception {
        String user = "long-cancel-later";
        long before = stack.workerInvocations();
        try (WsClient c = connect(user)) {
            String[] st = send(c);
            String session = st[0];
            String turn = st[1];
            await().atMost(RUN).until(() -> !HOOKS.checkpoints(turn).isEmpty());
            int nextSeq = StreamMarks.decode(HOOKS.checkpoints(turn).getFirst()).deltas();
            // mid-segment: a delta of the continued run has arrived
            c.await(f -> "delta".equals(f.path("type").asText()) && turn.equals(f.path("turnId").asText())
                    && f.path("seq").asInt() >= nextSeq + 1, RUN);
            JsonNode reply = c.request("{\"action\":\"cancel\",\"sessionId\":\"" + session + "\"}", "cancelRequested",
                    "error");
            assertThat(reply.path("type").asText()).as(reply.toString()).isEqualTo("cancelRequested");

            cancelledWithItsStreamStored("cancel-later", c, user, session, turn, before);
            assertThat(ofType(c.ofTurn(turn), "delta")).as("the continued segment's deltas are kept")
                    .hasSizeGreaterThan(nextSeq);
        }
    }

    /**
     * The client drops after a few deltas of the first segment and resumes on a new connection while the run is
     * between invocations ({@code between}) or in a later segment; the text it ends with is the stored answer.
     */
    private void dropAndResume(String scenario, String user, boolean between) throws Exception {
        long before = stack.workerInvocations();
        ClientView view = new ClientView();
        String session;
        String turn;
        CountDownLatch release = null;
        int droppedAt;
        try (WsClient first = connect(user)) {
            String[] st = send(first);
            session = st[0];
            turn = st[1];
            if (between) {
                release = HOOKS.holdClaim(turn, 2);
            }
            first.await(f -> "delta".equals(f.path("type").asText()) && turn.equals(f.path("turnId").asText())
                    && f.path("seq").asInt() >= 2, RUN);
            first.ofTurn(turn).forEach(f -> view.apply(codec.readEvent(f.toString())));
            droppedAt = view.lastSeq();
        }
        if (between) {
            HOOKS.awaitHeld(turn, RUN);
        } else {
            // a later segment: the run was handed on at least once and streams on
            await().atMost(RUN).until(() -> !HOOKS.checkpoints(turn).isEmpty());
            Thread.sleep(1_000);
        }
        try (WsClient second = connect(user)) {
            JsonNode reply = second.request("{\"action\":\"resume\",\"sessionId\":\"" + session + "\",\"turnId\":\""
                    + turn + "\",\"lastSeq\":" + view.lastSeq()
                    + (view.attempt() == null ? "" : ",\"attempt\":" + view.attempt()) + "}", "resumed", "error");
            assertThat(reply.path("type").asText()).as(reply.toString()).isEqualTo("resumed");
            assertThat(reply.path("status").asText()).as("the run goes on").isEqualTo("running");
            if (release != null) {
                release.countDown();
            }
            JsonNode done = second.await(WsClient.doneOf(turn), RUN);
            int after = afterDone(second, turn);
            List<JsonNode> frames = second.ofTurn(turn);
            frames.forEach(f -> view.apply(codec.readEvent(f.toString())));
            StoredMessage answer = stored(user, session, turn);
            List<JsonNode> replays = frames.stream().filter(WsClient.type("resumed")).filter(f -> f.has("text"))
                    .toList();
            int handoffs = done.path("timings").path("handoffs").asInt(0);
            boolean same = answer != null && view.text().equals(answer.text());
            System.out.println("scenario: long-run-" + scenario + " runs=" + (stack.workerInvocations() - before)
                    + ", hand-offs=" + handoffs + ", dropped-after-seq=" + droppedAt + ", replays=" + replays.size()
                    + ", lost=" + (same ? 0 : 1) + ", duplicated=" + view.outOfOrder() + ", after-done=" + after);

            assertThat(replays).as("the missed text was replayed once, not again by each later segment").hasSize(1);
            assertThat(replays.getFirst().path("fromSeq").asInt()).isEqualTo(droppedAt + 1);
            assertThat(view.done()).isTrue();
            assertThat(view.outOfOrder()).as("deltas repeated or out of order").isZero();
            assertThat(answer).isNotNull();
            assertThat(view.text()).as("the client's text is the stored answer").isEqualTo(answer.text())
                    .isEqualTo(wholeAnswer());
            assertThat(ofType(frames, "restart")).isEmpty();
            assertThat(ofType(frames, "done")).hasSize(1);
            assertThat(after).isZero();
            assertThat(handoffs).isGreaterThanOrEqualTo(1);
            assertThat(done.path("finishReason").asText()).isEqualTo("STOP");
        }
    }

    @Test
    void aConnectionDroppedMidRunAndResumedWhileTheRecordIsBetweenInvocationsGetsTheWholeAnswer() throws Exception {
        dropAndResume("resume-between", "long-resume-between", true);
    }

    @Test
    void aConnectionDroppedMidRunAndResumedInALaterSegmentGetsTheWholeAnswer() throws Exception {
        dropAndResume("resume-later", "long-resume-later", false);
    }

    @Test
    void aConnectionOpenedWhileTheRecordIsBetweenInvocationsGetsTheTextSoFarUnasked() throws Exception {
        String user = "long-second-tab";
        long before = stack.workerInvocations();
        try (WsClient first = connect(user)) {
            String[] st = send(first);
            String session = st[0];
            String turn = st[1];
            CountDownLatch release = HOOKS.holdClaim(turn, 2);
            HOOKS.awaitHeld(turn, RUN);
            // a second tab opens while the run is between two invocations; it sends no resume
            try (WsClient second = connect(user)) {
                release.countDown();
                JsonNode done = second.await(WsClient.doneOf(turn), RUN);
                first.await(WsClient.doneOf(turn), RUN);
                List<JsonNode> frames = second.ofTurn(turn);
                ClientView view = view(frames);
                StoredMessage answer = stored(user, session, turn);
                List<JsonNode> replays = ofType(frames, "resumed");
                boolean same = answer != null && view.text().equals(answer.text());
                System.out.println("scenario: long-run-second-tab runs=" + (stack.workerInvocations() - before)
                        + ", hand-offs=" + done.path("timings").path("handoffs").asInt(0) + ", replays="
                        + replays.size() + ", lost=" + (same ? 0 : 1) + ", duplicated=" + view.outOfOrder());

                assertThat(replays).as("the text so far, once, unasked").singleElement()
                        .satisfies(r -> assertThat(r.path("fromSeq").asInt()).isZero());
                assertThat(frames.getFirst()).as("before any delta").isEqualTo(replays.getFirst());
                assertThat(view.outOfOrder()).isZero();
                assertThat(view.done()).isTrue();
                assertThat(answer).isNotNull();
                assertThat(view.text()).isEqualTo(answer.text()).isEqualTo(wholeAnswer());
                assertThat(ofType(first.ofTurn(turn), "resumed")).as("the first tab was streamed to all along")
                        .isEmpty();
            }
        }
    }

    @Test
    void aWorkerThatDiesMidSegmentAfterAHandOffIsRestartedFromTheLastCheckpoint() throws Exception {
        String user = "long-worker-dies";
        long before = stack.workerInvocations();
        long timedOutBefore = stack.timedOutInvocations();
        try (WsClient c = connect(user)) {
            String[] st = send(c);
            String session = st[0];
            String turn = st[1];
            // the second segment's checkpoint write hangs: the stack ends that invocation at its timeout, after it
            // streamed past the first checkpoint and before it saved its own
            HOOKS.hangCheckpoint(turn, 2);
            JsonNode done = c.await(WsClient.doneOf(turn), RUN);
            int after = afterDone(c, turn);
            List<JsonNode> frames = c.ofTurn(turn);
            List<JsonNode> restarts = ofType(frames, "restart");
            List<String> saved = HOOKS.checkpoints(turn);
            int nextSeq = StreamMarks.decode(saved.getFirst()).deltas();
            long firstAttempt = frames.stream().filter(WsClient.type("delta")).findFirst().orElseThrow()
                    .path("attempt").asLong();
            int restartAt = restarts.isEmpty() ? frames.size() : frames.indexOf(restarts.getFirst());
            int dropped = (int) frames.subList(0, restartAt).stream().filter(WsClient.type("delta"))
                    .filter(d -> d.path("seq").asInt() >= nextSeq).count();
            ClientView view = view(frames);
            StoredMessage answer = stored(user, session, turn);
            boolean same = answer != null && view.text().equals(answer.text());
            int handoffs = done.path("timings").path("handoffs").asInt(0);
            System.out.println("scenario: long-run-worker-dies runs=" + (stack.workerInvocations() - before)
                    + ", hand-offs=" + handoffs + ", restarts=" + restarts.size() + ", dropped-deltas=" + dropped
                    + ", lost=" + (same ? 0 : 1) + ", duplicated=" + view.outOfOrder() + ", after-done=" + after);

            assertThat(stack.timedOutInvocations()).as("the dying invocation was ended at its timeout")
                    .isGreaterThan(timedOutBefore);
            assertThat(restarts).as("one restart, back to the last checkpoint").hasSize(1);
            JsonNode restart = restarts.getFirst();
            assertThat(restart.path("fromSeq").asInt()).isEqualTo(nextSeq);
            assertThat(restart.path("attempt").asLong()).as("a new run").isGreaterThan(firstAttempt);
            assertThat(dropped).as("the dead segment streamed past the checkpoint").isPositive();
            assertThat(frames.subList(restartAt, frames.size()).stream().filter(WsClient.type("delta")))
                    .as("the rest streams from the checkpoint under the new run").isNotEmpty()
                    .allSatisfy(d -> assertThat(d.path("attempt").asLong())
                            .isEqualTo(restart.path("attempt").asLong()))
                    .first().satisfies(d -> assertThat(d.path("seq").asInt()).isEqualTo(nextSeq));
            assertThat(view.outOfOrder()).as("deltas repeated or out of order").isZero();
            assertThat(view.done()).isTrue();
            assertThat(answer).isNotNull();
            assertThat(view.text()).as("the client's view after the restart is the stored answer")
                    .isEqualTo(answer.text()).isEqualTo(wholeAnswer());
            assertThat(done.path("deltas").asInt()).isEqualTo(answer.stream().deltas());
            assertThat(ofType(frames, "done")).hasSize(1);
            assertThat(after).isZero();
            assertThat(done.path("finishReason").asText()).isEqualTo("STOP");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(messages.checkpoint(user, session, turn)).isEmpty());
        }
    }

    /**
     * Watches the worker's DynamoDB calls, turn by turn: the checkpoints it saves ({@code H#} puts,
     * their stream marks), and, when asked, holds one delivery's run claim until the test releases it, or lets one
     * checkpoint write hang until the invocation is ended (then it fails, as the call of a dying worker does).
     */
    static final class Hooks implements ExecutionInterceptor {
        private static final long HOLD_MILLIS = 60_000;

        private static final class Turn {
            final List<String> checkpoints = new CopyOnWriteArrayList<>();
            final List<Long> savedAt = new CopyOnWriteArrayList<>();
            final AtomicInteger claims = new AtomicInteger();
            final AtomicInteger puts = new AtomicInteger();
            volatile int holdClaim;
            volatile int hangCheckpoint;
            final CountDownLatch held = new CountDownLatch(1);
            final CountDownLatch release = new CountDownLatch(1);
        }

        private final Map<String, Turn> turns = new ConcurrentHashMap<>();

        /** Holds the {@code n}th run claim of the turn (1: its first delivery) until the latch returned is counted down. */
        CountDownLatch holdClaim(String turnId, int n) {
            Turn t = turns.computeIfAbsent(turnId, k -> new Turn());
            t.holdClaim = n;
            return t.release;
        }

        /** Lets the {@code n}th checkpoint write of the turn hang until its invocation is ended. */
        void hangCheckpoint(String turnId, int n) {
            turns.computeIfAbsent(turnId, k -> new Turn()).hangCheckpoint = n;
        }

        void awaitHeld(String turnId, Duration timeout) throws InterruptedException {
            assertThat(turns.get(turnId).held.await(timeout.toMillis(), TimeUnit.MILLISECONDS))
                    .as("the held claim was reached").isTrue();
        }

        /** When each of the turn's checkpoints was saved ({@link System#nanoTime()}), in order. */
        List<Long> savedAt(String turnId) {
            Turn t = turns.get(turnId);
            return t == null ? List.of() : new ArrayList<>(t.savedAt);
        }

        /** The stream marks (encoded) of the turn's checkpoints saved so far, in order. */
        List<String> checkpoints(String turnId) {
            Turn t = turns.get(turnId);
            return t == null ? List.of() : new ArrayList<>(t.checkpoints);
        }

        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            if (context.request() instanceof UpdateItemRequest u && u.updateExpression() != null
                    && u.updateExpression().contains("ADD runAttempt") && u.hasExpressionAttributeValues()) {
                // every turn's claims are counted (a test names its turn only once it is accepted, and the first
                // delivery may claim it before that)
                AttributeValue turnId = u.expressionAttributeValues().get(":t");
                Turn t = turnId == null ? null : turns.computeIfAbsent(turnId.s(), k -> new Turn());
                if (t != null && t.claims.incrementAndGet() == t.holdClaim) {
                    t.held.countDown();
                    await(t.release, HOLD_MILLIS);
                }
            } else if (context.request() instanceof PutItemRequest p && checkpointOf(p) != null) {
                Turn t = turns.computeIfAbsent(checkpointOf(p), k -> new Turn());
                if (t.puts.incrementAndGet() == t.hangCheckpoint) {
                    await(new CountDownLatch(1), HOLD_MILLIS);
                    throw SdkClientException.create("the invocation was ended during its checkpoint write (injected)");
                }
            }
        }

        @Override
        public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
            if (context.request() instanceof PutItemRequest p && checkpointOf(p) != null) {
                Turn t = turns.computeIfAbsent(checkpointOf(p), k -> new Turn());
                t.savedAt.add(System.nanoTime());
                t.checkpoints.add(p.item().get("stream").s());
            }
        }

        /** The turn of a checkpoint put, or null for any other put. */
        private static String checkpointOf(PutItemRequest p) {
            AttributeValue sk = p.item().get("sk");
            AttributeValue turnId = p.item().get("turnId");
            return sk != null && sk.s() != null && sk.s().startsWith("H#") && turnId != null ? turnId.s() : null;
        }

        /** Waits (an interrupt, the invocation being ended, stops the wait and stays set). */
        private static void await(CountDownLatch latch, long millis) {
            try {
                latch.await(millis, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
