package dev.switchboard.turn;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.switchboard.agent.AgentFactory;
import dev.switchboard.agent.ModelChoice;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.Connection;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.Session;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.port.QueueRetries;
import dev.switchboard.protocol.ProtocolCodec;
import dev.switchboard.domain.Ids;
import dev.switchboard.testing.InMemoryConnectionStore;
import dev.switchboard.testing.InMemoryMessageStore;
import dev.switchboard.testing.InMemorySessionStore;
import dev.switchboard.testing.RecordingGateway;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TurnBatchTest {
    private static final String USER = "alice";

    private final ProtocolCodec codec = new ProtocolCodec();
    private final Ids ids = new Ids();
    private final AtomicLong millis = new AtomicLong(1_000);
    private InMemoryMessageStore messages;
    private InMemorySessionStore sessions;
    private RecordingGateway gateway;
    private ScriptedChatModel model;
    private TurnBatch batch;

    @BeforeEach
    void setUp() {
        messages = new InMemoryMessageStore();
        sessions = new InMemorySessionStore();
        InMemoryConnectionStore connections = new InMemoryConnectionStore();
        connections.put(new Connection(USER, "c1", 1, Long.MAX_VALUE / 2000));
        gateway = new RecordingGateway();
        // the model fails every turn whose text mentions FAIL (all such turns live in session "bad")
        model = new ScriptedChatModel(r -> List.of("answer to ", ScriptedChatModel.lastUserText(r)),
                r -> ScriptedChatModel.lastUserText(r).contains("FAIL"));
        TurnRunner runner = new TurnRunner(messages, sessions, connections, gateway,
                new AgentFactory(new ModelChoice(model, "scripted", false), "prompt"), codec, () -> 50_000L,
                new TurnSettings(10, 0, 256, 3));
        batch = new TurnBatch(runner, codec.mapper());
    }

    private TurnRequest turn(String sessionId, String text) {
        sessions.createIfAbsent(new Session(USER, sessionId, sessionId, 1, 1));
        long at = millis.addAndGet(1_000);
        String turnId = ids.newTurnId(at);
        messages.putIfAbsent(new StoredMessage(USER, sessionId, turnId, Role.USER, text, at, null));
        return new TurnRequest(USER, sessionId, turnId, "c-" + at, at);
    }

    private TurnBatch.QueuedTurn record(String messageId, TurnRequest t) throws JsonProcessingException {
        return new TurnBatch.QueuedTurn(messageId, t.sessionId(), codec.mapper().writeValueAsString(t), 1);
    }

    private boolean answered(TurnRequest t) {
        return messages.all().stream().anyMatch(m -> m.turnId().equals(t.turnId()) && m.role() == Role.ASSISTANT);
    }

    private Set<String> askedTexts() {
        return Set.copyOf(model.requests.stream().map(ScriptedChatModel::lastUserText).toList());
    }

    @Test
    void aFailedRecordFailsTheLaterRecordsOfItsGroupOnly() throws Exception {
        TurnRequest good1 = turn("good", "good one");
        TurnRequest bad1 = turn("bad", "please FAIL");
        TurnRequest other1 = turn("other", "other one");
        TurnRequest bad2 = turn("bad", "bad two");
        TurnRequest good2 = turn("good", "good two");
        TurnRequest bad3 = turn("bad", "bad three");

        List<String> failed = batch.process(List.of(
                record("m1", good1), record("m2", bad1), record("m3", other1),
                record("m4", bad2), record("m5", good2), record("m6", bad3)), () -> 60_000L);

        assertThat(failed).containsExactly("m2", "m4", "m6");
        assertThat(answered(good1)).isTrue();
        assertThat(answered(good2)).isTrue();
        assertThat(answered(other1)).isTrue();
        assertThat(answered(bad1)).isFalse();
        assertThat(answered(bad2)).isFalse();
        assertThat(answered(bad3)).isFalse();
        // the later turns of the failed session were not even tried, so they cannot be answered out of order
        assertThat(askedTexts()).contains("please FAIL").doesNotContain("bad two", "bad three");
    }

    @Test
    void anUnparsableBodyIsAFailureAndTheOthersGoOn() throws Exception {
        TurnRequest good = turn("good", "good one");
        List<String> failed = batch.process(List.of(
                new TurnBatch.QueuedTurn("m1", "broken", "not json at all", 1),
                new TurnBatch.QueuedTurn("m2", "broken2", "{\"userId\":", 1),
                record("m3", good)), () -> 60_000L);

        assertThat(failed).containsExactly("m1", "m2");
        assertThat(answered(good)).isTrue();
    }

    @Test
    void aTurnThatIsGoneIsAcknowledgedNotFailed() throws Exception {
        TurnRequest gone = new TurnRequest(USER, "deleted", ids.newTurnId(3_000), "c-x", 3_000);
        TurnRequest good = turn("good", "good one");

        List<String> failed = batch.process(List.of(record("m1", gone), record("m2", good)), () -> 60_000L);

        assertThat(failed).isEmpty();
        assertThat(answered(good)).isTrue();
    }

    @Test
    void anEmptyBatchHasNoFailures() {
        assertThat(batch.process(List.of(), () -> 60_000L)).isEmpty();
        assertThat(model.requests).isEmpty();
    }

    @Test
    void aFailureOnTheLastDeliveryDoesNotHoldBackTheRestOfItsGroup() throws Exception {
        TurnRequest bad1 = turn("bad", "please FAIL");
        TurnRequest bad2 = turn("bad", "bad two");
        List<String> failed = batch.process(List.of(
                new TurnBatch.QueuedTurn("m1", "bad", codec.mapper().writeValueAsString(bad1), 3),
                new TurnBatch.QueuedTurn("m2", "bad", codec.mapper().writeValueAsString(bad2), 3)), () -> 60_000L);

        // m1 is given up (it goes to the DLQ with TURN_FAILED); m2 must not follow it there unanswered
        assertThat(failed).containsExactly("m1");
        assertThat(answered(bad2)).isTrue();
        assertThat(gateway.framesTo("c1")).anyMatch(f -> f.contains("TURN_FAILED") && f.contains(bad1.turnId()));
    }

    @Test
    void theSessionsOfABatchAreAnsweredAtTheSameTime() throws Exception {
        // each call waits until both sessions' calls have started: one after the other, the first would time out
        java.util.concurrent.CountDownLatch bothStarted = new java.util.concurrent.CountDownLatch(2);
        ScriptedChatModel waiting = new ScriptedChatModel(r -> {
            bothStarted.countDown();
            try {
                if (!bothStarted.await(5, java.util.concurrent.TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the other session did not start meanwhile");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return List.of("answer to ", ScriptedChatModel.lastUserText(r));
        }, r -> false);
        InMemoryConnectionStore connections = new InMemoryConnectionStore();
        TurnBatch concurrent = new TurnBatch(new TurnRunner(messages, sessions, connections, gateway,
                new AgentFactory(new ModelChoice(waiting, "scripted", false), "prompt"), codec, () -> 50_000L,
                new TurnSettings(10, 0, 256, 3)), codec.mapper());
        TurnRequest a = turn("one", "first session");
        TurnRequest b = turn("two", "second session");

        List<String> failed = concurrent.process(List.of(record("m1", a), record("m2", b)), () -> 60_000L);

        assertThat(failed).isEmpty();
        assertThat(answered(a)).isTrue();
        assertThat(answered(b)).isTrue();
    }

    @Test
    void failedRecordsComeBackAfterTheRetryDelayButNotThoseOfASessionAnotherRunHolds() throws Exception {
        List<List<QueueRetries.Receipt>> retried = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Integer> delays = new java.util.concurrent.CopyOnWriteArrayList<>();
        TurnRunner runner = new TurnRunner(messages, sessions, new InMemoryConnectionStore(), gateway,
                new AgentFactory(new ModelChoice(model, "scripted", false), "prompt"), codec, () -> 50_000L,
                new TurnSettings(10, 0, 256, 3));
        TurnBatch retrying = new TurnBatch(runner, codec.mapper(), null, (records, seconds) -> {
            retried.add(List.copyOf(records));
            delays.add(seconds);
        }, 30);
        TurnRequest good = turn("good", "good one");
        TurnRequest bad1 = turn("bad", "please FAIL");
        TurnRequest bad2 = turn("bad", "bad two");
        TurnRequest held1 = turn("held", "held one");
        TurnRequest held2 = turn("held", "held two");
        // another live run holds the session "held" far beyond this invocation
        sessions.claimRun(USER, "held", held1.turnId(), 50_000L, Long.MAX_VALUE / 2);

        List<String> failed = retrying.process(List.of(receipted("m1", good), receipted("m2", bad1),
                receipted("m3", bad2), receipted("m4", held1), receipted("m5", held2)), () -> 1_000L);

        assertThat(failed).containsExactlyInAnyOrder("m2", "m3", "m4", "m5");
        assertThat(answered(good)).isTrue();
        assertThat(delays).containsExactly(30);
        assertThat(retried.get(0)).as("the failed session's records, not the held one's")
                .extracting(QueueRetries.Receipt::handle).containsExactlyInAnyOrder("receipt-m2", "receipt-m3");
    }

    @Test
    void aHandedOffRecordAndTheRecordsBehindItComeBackAtOnce() throws Exception {
        List<List<QueueRetries.Receipt>> retried = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Integer> delays = new java.util.concurrent.CopyOnWriteArrayList<>();
        // a model that streams a little and then goes on beyond the deadline
        dev.langchain4j.model.chat.StreamingChatModel streaming = new dev.langchain4j.model.chat.StreamingChatModel() {
            @Override
            public void doChat(dev.langchain4j.model.chat.request.ChatRequest request,
                               dev.langchain4j.model.chat.response.StreamingChatResponseHandler handler) {
                handler.onPartialResponse("part ");
            }
        };
        TurnRunner runner = new TurnRunner(messages, sessions, new InMemoryConnectionStore(), gateway,
                new AgentFactory(new ModelChoice(streaming, "streaming", false), "prompt"), codec, () -> 50_000L,
                new TurnSettings(10, 0, 256, 3));
        TurnBatch retrying = new TurnBatch(runner, codec.mapper(), null, (records, seconds) -> {
            retried.add(List.copyOf(records));
            delays.add(seconds);
        }, 30);
        TurnRequest long1 = turn("long", "a long one");
        TurnRequest long2 = turn("long", "behind it");

        List<String> failed = retrying.process(List.of(receipted("m1", long1), receipted("m2", long2)),
                () -> TurnRunner.MIN_MILLIS_TO_START);

        assertThat(failed).containsExactly("m1", "m2");
        assertThat(delays).as("at once, not after the retry delay").containsExactly(0);
        assertThat(retried.get(0)).extracting(QueueRetries.Receipt::handle)
                .containsExactlyInAnyOrder("receipt-m1", "receipt-m2");
        assertThat(messages.checkpoint(USER, "long", long1.turnId())).hasValueSatisfying(
                c -> assertThat(c.text()).isEqualTo("part "));
        assertThat(sessions.claimRun(USER, "long", long1.turnId(), 50_000L, 60_000L).status())
                .as("the run claim was released: the next delivery claims it at once")
                .isEqualTo(dev.switchboard.domain.RunClaim.Status.CLAIMED);
    }

    @Test
    void withoutADelayOrWithoutReceiptsNothingIsRetriedSooner() throws Exception {
        List<QueueRetries.Receipt> retried = new java.util.concurrent.CopyOnWriteArrayList<>();
        TurnRunner runner = new TurnRunner(messages, sessions, new InMemoryConnectionStore(), gateway,
                new AgentFactory(new ModelChoice(model, "scripted", false), "prompt"), codec, () -> 50_000L,
                new TurnSettings(10, 0, 256, 3));
        TurnRequest bad = turn("bad", "please FAIL");
        TurnBatch off = new TurnBatch(runner, codec.mapper(), null, (records, seconds) -> retried.addAll(records), 0);
        assertThat(off.process(List.of(receipted("m1", bad)), () -> 60_000L)).containsExactly("m1");
        TurnBatch on = new TurnBatch(runner, codec.mapper(), null, (records, seconds) -> retried.addAll(records), 30);
        assertThat(on.process(List.of(record("m2", bad)), () -> 60_000L)).containsExactly("m2");
        assertThat(retried).isEmpty();
    }

    @Test
    void aGivenUpTurnAndAnUnreadableRecordOnItsLastReceiveAreMovedToTheDeadLetterQueueAndAcknowledged()
            throws Exception {
        List<dev.switchboard.port.DeadLetters.Dead> moved = new java.util.concurrent.CopyOnWriteArrayList<>();
        TurnRunner runner = new TurnRunner(messages, sessions, new InMemoryConnectionStore(), gateway,
                new AgentFactory(new ModelChoice(model, "scripted", false), "prompt"), codec, () -> 50_000L,
                new TurnSettings(10, 0, 256, 3));
        TurnBatch batch = new TurnBatch(runner, codec.mapper(), null, QueueRetries.NONE, 0, dead -> moved.add(dead));
        TurnRequest bad = turn("bad", "please FAIL");
        String queue = "arn:aws:sqs:us-east-1:000000000000:TurnsQueue.fifo";

        assertThat(batch.process(List.of(new TurnBatch.QueuedTurn("m1", "bad", codec.mapper().writeValueAsString(bad),
                2, new QueueRetries.Receipt(queue, "r1"))), () -> 60_000L)).as("not yet given up").containsExactly("m1");
        assertThat(moved).isEmpty();

        assertThat(batch.process(List.of(new TurnBatch.QueuedTurn("m1", "bad", codec.mapper().writeValueAsString(bad),
                3, new QueueRetries.Receipt(queue, "r2")), new TurnBatch.QueuedTurn("m2", "junk", "{not a turn", 3,
                new QueueRetries.Receipt(queue, "r3"))), () -> 60_000L)).as("both moved, so acknowledged").isEmpty();
        assertThat(moved).extracting(dev.switchboard.port.DeadLetters.Dead::messageId)
                .containsExactlyInAnyOrder("m1", "m2");
        assertThat(moved).filteredOn(d -> d.messageId().equals("m1")).singleElement().satisfies(d -> {
            assertThat(d.groupId()).isEqualTo("bad");
            assertThat(d.queue()).isEqualTo(queue);
        });

        // a dead-letter queue that refuses the record: it stays failed, for the queue's own redrive
        TurnBatch refusing = new TurnBatch(runner, codec.mapper(), null, QueueRetries.NONE, 0, dead -> false);
        assertThat(refusing.process(List.of(new TurnBatch.QueuedTurn("m3", "junk", "{not a turn", 3,
                new QueueRetries.Receipt(queue, "r4"))), () -> 60_000L)).containsExactly("m3");
    }

    private TurnBatch.QueuedTurn receipted(String messageId, TurnRequest t) throws JsonProcessingException {
        return new TurnBatch.QueuedTurn(messageId, t.sessionId(), codec.mapper().writeValueAsString(t), 1,
                new QueueRetries.Receipt("arn:aws:sqs:us-east-1:000000000000:TurnsQueue.fifo", "receipt-" + messageId));
    }
}
