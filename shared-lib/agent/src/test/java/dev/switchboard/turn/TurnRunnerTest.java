package dev.switchboard.turn;

import dev.langchain4j.data.message.ChatMessage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.switchboard.agent.AgentFactory;
import dev.switchboard.agent.ModelChoice;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.Connection;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.port.ConnectionGateway;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Limits;
import dev.switchboard.protocol.ServerEvent;
import dev.switchboard.testing.InMemoryMessageStore;
import dev.switchboard.testing.InMemorySessionStore;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TurnRunnerTest extends TurnFixture {
    static final String PROMPT = "You are a test assistant.";
    static final String MODEL_NAME = "scripted-model";
    static final String SESSION = "s-alice";

    private final List<String> postAttempts = new CopyOnWriteArrayList<>();
    private volatile Consumer<String> onPost = frame -> { };

    TurnRunnerTest() {
        super(SESSION, 5_000_000);
    }

    @BeforeEach
    void setUp() {
        connect(ALICE, "a1", "a2");
        connect(BOB, "b1");
    }

    private TurnRunner runner(StreamingChatModel model, long flushMillis, int historyWindow, int maxReceiveCount) {
        return runner(model, new TurnSettings(historyWindow, flushMillis, 256, maxReceiveCount));
    }

    private TurnRunner runner(StreamingChatModel model, TurnSettings settings) {
        ConnectionGateway counting = (id, frame) -> {
            postAttempts.add(id);
            onPost.accept(frame);
            return gateway.post(id, frame);
        };
        return new TurnRunner(messages, sessions, connections, counting,
                new AgentFactory(new ModelChoice(model, MODEL_NAME, false), PROMPT), codec, now::get, settings);
    }

    private TurnRunner runner(ScriptedChatModel model) {
        return runner(model, 0, 20, 3);
    }

    /** Stores a user message (and optionally its answer) at {@code millis}; returns the turn request. */
    private TurnRequest turn(long millis, String userText, String answer) {
        String turnId = ids.newTurnId(millis);
        messages.putIfAbsent(new StoredMessage(ALICE, SESSION, turnId, Role.USER, userText, millis, null));
        if (answer != null) {
            messages.putIfAbsent(new StoredMessage(ALICE, SESSION, turnId, Role.ASSISTANT, answer, millis + 1, "m"));
        }
        return new TurnRequest(ALICE, SESSION, turnId, "c-" + millis, millis);
    }

    @Test
    void streamsDeltasToEveryConnectionOfTheOwnerOnly() {
        TurnRequest t = turn(1_000, "hi", null);
        ScriptedChatModel model = ScriptedChatModel.answering("Hel", "lo ", "wor", "ld");

        assertThat(runner(model).run(t, 1, 60_000)).isEqualTo(TurnRunner.Outcome.ANSWERED);

        List<ServerEvent> toA1 = eventsTo("a1");
        assertThat(toA1).isNotEmpty();
        assertThat(eventsTo("a2")).isEqualTo(toA1);
        assertThat(gateway.framesTo("b1")).isEmpty();
        assertThat(postAttempts).doesNotContain("b1");
        assertThat(toA1.get(toA1.size() - 1)).isInstanceOf(ServerEvent.Done.class);
    }

    @Test
    void deltasAreNumberedWithoutGapsAndMatchTheStoredAnswer() {
        TurnRequest t = turn(1_000, "hi", null);
        List<String> tokens = List.of("Hel", "lo", ", ", "wörld", " \uD83D\uDE00", "!");
        ScriptedChatModel model = ScriptedChatModel.answering(tokens.toArray(String[]::new));

        runner(model).run(t, 1, 60_000);

        List<ServerEvent> events = eventsTo("a1");
        List<ServerEvent.Delta> deltas = deltas(events);
        assertThat(deltas).extracting(ServerEvent.Delta::seq)
                .containsExactlyElementsOf(IntStream.range(0, deltas.size()).boxed().toList());
        assertThat(deltas).allSatisfy(d -> {
            assertThat(d.sessionId()).isEqualTo(SESSION);
            assertThat(d.turnId()).isEqualTo(t.turnId());
        });
        assertThat(text(deltas)).isEqualTo(String.join("", tokens));

        StoredMessage answer = answer(t.turnId());
        assertThat(answer).isNotNull();
        assertThat(answer.text()).isEqualTo(text(deltas));
        assertThat(answer.model()).isEqualTo(MODEL_NAME);
        assertThat(answer.userId()).isEqualTo(ALICE);
        assertThat(sessions.get(ALICE, SESSION).orElseThrow().updatedAtMillis()).isEqualTo(now.get());
    }

    @Test
    void doneCountsTheDeltasAndCarriesModelAndUsage() {
        TurnRequest t = turn(1_000, "hi", null);
        ScriptedChatModel model = ScriptedChatModel.answering("a", "b", "c", "d", "e");

        runner(model).run(t, 1, 60_000);

        List<ServerEvent> events = eventsTo("a1");
        ServerEvent.Done done = (ServerEvent.Done) events.get(events.size() - 1);
        assertThat(events.stream().filter(ServerEvent.Done.class::isInstance)).hasSize(1);
        assertThat(done.deltas()).isEqualTo(deltas(events).size()).isEqualTo(5);
        assertThat(done.sessionId()).isEqualTo(SESSION);
        assertThat(done.turnId()).isEqualTo(t.turnId());
        assertThat(done.model()).isEqualTo(MODEL_NAME);
        assertThat(done.offline()).isFalse();
        assertThat(done.finishReason()).isEqualTo("STOP");
        assertThat(done.usage()).isEqualTo(new ServerEvent.Usage(ScriptedChatModel.INPUT_TOKENS, 5,
                ScriptedChatModel.INPUT_TOKENS + 5));
        assertThat(done.timings().queueWaitMs()).isEqualTo(now.get() - t.enqueuedAt());
    }

    @Test
    void batchedDeltasAreCountedInDone() {
        TurnRequest t = turn(1_000, "hi", null);
        // the clock stands still: the first token goes out at once, the rest when the turn finishes
        ScriptedChatModel model = ScriptedChatModel.answering("a", "b", "c", "d");

        runner(model, 10_000, 20, 3).run(t, 1, 60_000);

        List<ServerEvent> events = eventsTo("a1");
        List<ServerEvent.Delta> deltas = deltas(events);
        assertThat(deltas).extracting(ServerEvent.Delta::text).containsExactly("a", "bcd");
        assertThat(deltas).extracting(ServerEvent.Delta::seq).containsExactly(0, 1);
        assertThat(((ServerEvent.Done) events.get(events.size() - 1)).deltas()).isEqualTo(2);
    }

    @Test
    void modelGetsTheSystemPromptAndTheHistoryBeforeThisTurnOnly() {
        turn(1_000, "u1", "a1");
        turn(2_000, "u2", "a2");
        TurnRequest t3 = turn(3_000, "u3", null);
        turn(4_000, "u4 (later)", null);
        ScriptedChatModel model = ScriptedChatModel.answering("ok");

        runner(model).run(t3, 1, 60_000);

        assertThat(model.requests).hasSize(1);
        List<ChatMessage> sent = model.requests.get(0).messages();
        assertThat(sent).hasSize(6);
        assertThat(sent.get(0)).isInstanceOfSatisfying(SystemMessage.class, m -> assertThat(m.text()).isEqualTo(PROMPT));
        assertThat(sent.get(1)).isInstanceOfSatisfying(UserMessage.class, m -> assertThat(m.singleText()).isEqualTo("u1"));
        assertThat(sent.get(2)).isInstanceOfSatisfying(AiMessage.class, m -> assertThat(m.text()).isEqualTo("a1"));
        assertThat(sent.get(3)).isInstanceOfSatisfying(UserMessage.class, m -> assertThat(m.singleText()).isEqualTo("u2"));
        assertThat(sent.get(4)).isInstanceOfSatisfying(AiMessage.class, m -> assertThat(m.text()).isEqualTo("a2"));
        assertThat(sent.get(5)).isInstanceOfSatisfying(UserMessage.class, m -> assertThat(m.singleText()).isEqualTo("u3"));
        assertThat(sent.toString()).doesNotContain("u4 (later)");
    }

    @Test
    void historyIsLimitedToTheWindow() {
        turn(1_000, "u1", "a1");
        turn(2_000, "u2", "a2");
        TurnRequest t3 = turn(3_000, "u3", null);
        ScriptedChatModel model = ScriptedChatModel.answering("ok");

        runner(model, 0, 2, 3).run(t3, 1, 60_000);

        List<ChatMessage> sent = model.requests.get(0).messages();
        assertThat(sent).hasSize(4);
        assertThat(sent.get(0)).isInstanceOf(SystemMessage.class);
        assertThat(sent.get(1)).isInstanceOfSatisfying(UserMessage.class, m -> assertThat(m.singleText()).isEqualTo("u2"));
        assertThat(sent.get(2)).isInstanceOfSatisfying(AiMessage.class, m -> assertThat(m.text()).isEqualTo("a2"));
        assertThat(sent.get(3)).isInstanceOfSatisfying(UserMessage.class, m -> assertThat(m.singleText()).isEqualTo("u3"));
    }

    /** A turn that replaces the branch from {@code replaced} on (regenerate: a hidden copy of its question). */
    private TurnRequest replacing(long millis, String text, dev.switchboard.domain.Branch branch) {
        String turnId = ids.newTurnId(millis);
        messages.putIfAbsent(new StoredMessage(ALICE, SESSION, turnId, Role.USER, text, millis, null).withBranch(branch));
        return new TurnRequest(ALICE, SESSION, turnId, "r-" + millis, millis);
    }

    private static List<String> texts(List<ChatMessage> sent) {
        return sent.stream().skip(1).map(m -> m instanceof UserMessage u ? u.singleText()
                : ((AiMessage) m).text()).toList();
    }

    @Test
    void aRegeneratedTurnSeesTheTurnsBeforeItsQuestionOnlyAndSupersedesTheOldAnswer() {
        turn(1_000, "u1", "a1");
        TurnRequest t2 = turn(2_000, "u2", "a2 (replaced)");
        TurnRequest t3 = replacing(3_000, "u2", dev.switchboard.domain.Branch.answerOf(t2.turnId()));
        ScriptedChatModel model = ScriptedChatModel.answering("a2 again");

        runner(model).run(t3, 1, 60_000);

        assertThat(texts(model.requests.get(0).messages())).containsExactly("u1", "a1", "u2");
        assertThat(answer(t2.turnId()).branch().superseded()).isTrue();
        assertThat(StoredMessage.find(messages.all(), t2.turnId(), Role.USER).branch().superseded()).isFalse();
        assertThat(answer(t3.turnId()).branch().superseded()).isFalse();

        // the next turn sees the regenerated answer, never the replaced one
        TurnRequest t4 = turn(4_000, "u3", null);
        ScriptedChatModel next = ScriptedChatModel.answering("a3");
        runner(next).run(t4, 1, 60_000);
        assertThat(texts(next.requests.get(0).messages())).containsExactly("u1", "a1", "u2", "a2 again", "u3");
    }

    @Test
    void anEditedTurnNeverSeesTheBranchItReplaces() {
        TurnRequest t1 = turn(1_000, "u1", "a1");
        turn(2_000, "u2", "a2");
        TurnRequest t3 = replacing(3_000, "u1 edited", dev.switchboard.domain.Branch.edits(t1.turnId()));
        ScriptedChatModel model = ScriptedChatModel.answering("a1'");

        runner(model).run(t3, 1, 60_000);

        assertThat(texts(model.requests.get(0).messages())).containsExactly("u1 edited");
        assertThat(messages.all()).filteredOn(m -> m.turnId().compareTo(t3.turnId()) < 0)
                .hasSize(4).allMatch(m -> m.branch().superseded());
        TurnRequest t4 = turn(4_000, "u4", null);
        ScriptedChatModel next = ScriptedChatModel.answering("a4");
        runner(next).run(t4, 1, 60_000);
        assertThat(texts(next.requests.get(0).messages())).containsExactly("u1 edited", "a1'", "u4");
    }

    @Test
    void aRedeliveredTurnThatIsAnsweredAlreadyDoesNotCallTheModel() {
        TurnRequest t = turn(1_000, "hi", "stored answer");
        ScriptedChatModel model = ScriptedChatModel.answering("new answer");
        int writesBefore = messages.writes.get();

        assertThat(runner(model).run(t, 2, 60_000)).isEqualTo(TurnRunner.Outcome.ALREADY_ANSWERED);

        assertThat(model.requests).isEmpty();
        assertThat(gateway.frames).isEmpty();
        assertThat(messages.writes.get()).isEqualTo(writesBefore);
        assertThat(answer(t.turnId()).text()).isEqualTo("stored answer");
    }

    @Test
    void runningTheSameTurnTwiceAnswersOnce() {
        TurnRequest t = turn(1_000, "hi", null);
        ScriptedChatModel model = ScriptedChatModel.answering("once");
        TurnRunner r = runner(model);

        assertThat(r.run(t, 1, 60_000)).isEqualTo(TurnRunner.Outcome.ANSWERED);
        int framesAfterFirst = gateway.frames.size();
        assertThat(r.run(t, 2, 60_000)).isEqualTo(TurnRunner.Outcome.ALREADY_ANSWERED);

        assertThat(model.requests).hasSize(1);
        assertThat(gateway.frames).hasSize(framesAfterFirst);
    }

    @Test
    void aMissingUserMessageIsTurnGone() {
        ScriptedChatModel model = ScriptedChatModel.answering("x");
        TurnRequest gone = new TurnRequest(ALICE, SESSION, ids.newTurnId(9_000), "c-9", 9_000);

        assertThat(runner(model).run(gone, 1, 60_000)).isEqualTo(TurnRunner.Outcome.TURN_GONE);

        assertThat(model.requests).isEmpty();
        assertThat(gateway.frames).isEmpty();
        assertThat(messages.all()).isEmpty();
    }

    @Test
    void aTurnOfAnotherUserWithTheSameIdsIsTurnGone() {
        TurnRequest alices = turn(1_000, "hi", null);
        ScriptedChatModel model = ScriptedChatModel.answering("x");
        TurnRequest forged = new TurnRequest(BOB, SESSION, alices.turnId(), alices.clientMessageId(), 1_000);

        assertThat(runner(model).run(forged, 1, 60_000)).isEqualTo(TurnRunner.Outcome.TURN_GONE);
        assertThat(model.requests).isEmpty();
        assertThat(gateway.frames).isEmpty();
    }

    @Test
    void aGoneConnectionIsDeletedAfterItsFirstFrameAndGetsNoMore() {
        TurnRequest t = turn(1_000, "hi", null);
        gateway.gone.add("a2");
        ScriptedChatModel model = ScriptedChatModel.answering("a", "b", "c");

        assertThat(runner(model).run(t, 1, 60_000)).isEqualTo(TurnRunner.Outcome.ANSWERED);

        assertThat(connections.listByUser(ALICE)).extracting(Connection::connectionId).containsExactly("a1");
        assertThat(connections.listByUser(BOB)).extracting(Connection::connectionId).containsExactly("b1");
        assertThat(postAttempts.stream().filter("a2"::equals)).hasSize(1);
        assertThat(gateway.framesTo("a2")).isEmpty();
        List<ServerEvent> toA1 = eventsTo("a1");
        assertThat(deltas(toA1)).hasSize(3);
        assertThat(toA1.get(toA1.size() - 1)).isInstanceOf(ServerEvent.Done.class);
    }

    @Test
    void aModelErrorThrowsAndSendsNoErrorBeforeTheLastReceive() {
        TurnRequest t = turn(1_000, "hi", null);
        ScriptedChatModel model = ScriptedChatModel.failing();

        assertThatThrownBy(() -> runner(model, 0, 20, 3).run(t, 2, 60_000)).isInstanceOf(RuntimeException.class);

        assertThat(model.requests).hasSize(1);
        assertThat(gateway.frames).isEmpty();
        assertThat(answer(t.turnId())).isNull();
    }

    @Test
    void aModelErrorOnTheLastReceiveSendsTurnFailed() {
        TurnRequest t = turn(1_000, "hi", null);
        ScriptedChatModel model = ScriptedChatModel.failing();

        assertThatThrownBy(() -> runner(model, 0, 20, 3).run(t, 3, 60_000))
                .isInstanceOf(TurnGivenUpException.class).cause().isInstanceOf(TurnFailedException.class);

        ServerEvent.Error expected = new ServerEvent.Error(ErrorCode.TURN_FAILED.name(),
                "The answer to this message failed after 3 attempts", "sendMessage", SESSION, t.turnId(),
                t.clientMessageId());
        assertThat(eventsTo("a1")).containsExactly(expected);
        assertThat(eventsTo("a2")).containsExactly(expected);
        assertThat(gateway.framesTo("b1")).isEmpty();
        assertThat(answer(t.turnId())).isNull();
    }

    @Test
    void aModelErrorAfterTheLastReceiveAlsoSendsTurnFailed() {
        TurnRequest t = turn(1_000, "hi", null);
        assertThatThrownBy(() -> runner(ScriptedChatModel.failing(), 0, 20, 3).run(t, 5, 60_000))
                .isInstanceOf(RuntimeException.class);
        assertThat(eventsTo("a1")).singleElement().isInstanceOfSatisfying(ServerEvent.Error.class,
                e -> assertThat(e.code()).isEqualTo("TURN_FAILED"));
    }

    @Test
    void aModelThatThrowsSynchronouslyAlsoFailsTheTurn() {
        TurnRequest t = turn(1_000, "hi", null);
        ScriptedChatModel model = new ScriptedChatModel(r -> {
            throw new IllegalStateException("synchronous failure");
        }, r -> false);

        assertThatThrownBy(() -> runner(model, 0, 20, 3).run(t, 3, 60_000)).isInstanceOf(RuntimeException.class);
        assertThat(answer(t.turnId())).isNull();
        assertThat(eventsTo("a1")).singleElement().isInstanceOfSatisfying(ServerEvent.Error.class,
                e -> assertThat(e.code()).isEqualTo("TURN_FAILED"));
    }

    @Test
    void aTurnOfAUserWithoutConnectionsIsStillAnsweredAndStored() {
        connections.delete(ALICE, "a1");
        connections.delete(ALICE, "a2");
        TurnRequest t = turn(1_000, "hi", null);

        assertThat(runner(ScriptedChatModel.answering("x", "y")).run(t, 1, 60_000))
                .isEqualTo(TurnRunner.Outcome.ANSWERED);
        assertThat(answer(t.turnId()).text()).isEqualTo("xy");
        assertThat(gateway.frames).isEmpty();
    }

    @Test
    void doneIsSentOnlyAfterTheAnswerIsStored() {
        TurnRequest t = turn(1_000, "hi", null);
        List<Boolean> storedWhenDoneWasSent = new CopyOnWriteArrayList<>();
        onPost = frame -> {
            if (codec.readEvent(frame) instanceof ServerEvent.Done) {
                storedWhenDoneWasSent.add(answer(t.turnId()) != null);
            }
        };

        runner(ScriptedChatModel.answering("a", "b")).run(t, 1, 60_000);

        assertThat(storedWhenDoneWasSent).containsExactly(true, true); // a1 and a2
    }

    @Test
    void theUserMessageStaysWhenTheTurnFails() {
        TurnRequest t = turn(1_000, "keep me", null);
        assertThatThrownBy(() -> runner(ScriptedChatModel.failing(), 0, 20, 3).run(t, 3, 60_000))
                .isInstanceOf(RuntimeException.class);
        assertThat(messages.all()).extracting(StoredMessage::text).containsExactly("keep me");
        assertThat(sessions.get(ALICE, SESSION)).isPresent();
    }

    @Test
    void everyFrameStaysUnderTheServerFrameLimitAtTheLargestDeltaSize() {
        TurnRequest t = turn(1_000, "hi", null);
        // control characters and quotes grow when escaped in JSON; a single token larger than any delta
        String nasty = "\u0001".repeat(9_000) + "\"".repeat(9_000) + "\\".repeat(3_000) + "\uD83D\uDE00".repeat(2_000);
        ScriptedChatModel model = ScriptedChatModel.answering("start ", nasty, "end");

        runner(model, new TurnSettings(20, 0, 4096, 3)).run(t, 1, 60_000);

        assertThat(gateway.framesTo("a1")).isNotEmpty().allSatisfy(frame ->
                assertThat(frame.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(Limits.MAX_SERVER_FRAME_BYTES));
        assertThat(text(deltas(eventsTo("a1")))).isEqualTo("start " + nasty + "end");
        assertThat(answer(t.turnId()).text()).isEqualTo("start " + nasty + "end");
    }

    /** A model that streams one token and then never completes; the handler is kept so a test can stream more. */
    /** A model that streams {@code early} (if any) and then nothing more. */
    private static final class HangingModel implements StreamingChatModel {
        final AtomicReference<StreamingChatResponseHandler> handler = new AtomicReference<>();
        private final String early;

        HangingModel() {
            this("early ");
        }

        HangingModel(String early) {
            this.early = early;
        }

        @Override
        public void doChat(ChatRequest request, StreamingChatResponseHandler h) {
            handler.set(h);
            if (early != null) {
                h.onPartialResponse(early);
            }
        }
    }

    @Test
    void aStreamingAnswerThatMayNotBeHandedOnEndsAsRunTooLongWithWhatStreamedStored() {
        TurnRequest t = turn(1_000, "hi", null);
        HangingModel model = new HangingModel();
        // no hand-offs allowed: the turns queue's last receive is the 3rd, yet even the first may not hand the run on
        TurnSettings noHandOffs = new TurnSettings(20, 0, 256, 3).withRunLimits(0, 3_600_000);
        assertThat(noHandOffs.queueMaxReceiveCount()).isEqualTo(3);

        // just enough time to start: the model gets the remaining time less the reserve (0.5 s)
        assertThat(runner(model, noHandOffs).run(t, 1, TurnRunner.MIN_MILLIS_TO_START))
                .isEqualTo(TurnRunner.Outcome.RUN_TOO_LONG);

        List<ServerEvent> events = eventsTo("a1");
        assertThat(events).hasSize(2);
        assertThat(events.get(0)).isEqualTo(new ServerEvent.Delta(SESSION, t.turnId(), 0, "early ", 1L));
        assertThat(events.get(1)).isInstanceOfSatisfying(ServerEvent.Done.class,
                d -> assertThat(d.finishReason()).isEqualTo("RUN_TOO_LONG"));
        StoredMessage answer = answer(t.turnId());
        assertThat(answer.text()).isEqualTo("early ");
        assertThat(answer.status()).isEqualTo(StoredMessage.RUN_TOO_LONG);
        assertThat(messages.checkpoint(ALICE, SESSION, t.turnId())).isEmpty();
    }

    @Test
    void aRunPastItsHandOffLimitEndsAsRunTooLongAndKeepsEverySegmentsText() {
        TurnRequest t = turn(1_000, "hi", null);
        TurnSettings oneHandOff = new TurnSettings(20, 0, 256, 3).withRunLimits(1, 3_600_000);
        assertThatThrownBy(() -> runner(new HangingModel(), oneHandOff).run(t, 1, TurnRunner.MIN_MILLIS_TO_START))
                .isInstanceOf(TurnHandedOffException.class);

        assertThat(runner(new HangingModel("more "), oneHandOff).run(t, 2, TurnRunner.MIN_MILLIS_TO_START))
                .isEqualTo(TurnRunner.Outcome.RUN_TOO_LONG);

        StoredMessage answer = answer(t.turnId());
        assertThat(answer.text()).isEqualTo("early more ");
        assertThat(answer.status()).isEqualTo(StoredMessage.RUN_TOO_LONG);
        List<ServerEvent> events = eventsTo("a1");
        assertThat(events.subList(0, 2)).extracting(e -> ((ServerEvent.Delta) e).seq()).containsExactly(0, 1);
        assertThat(((ServerEvent.Done) events.get(2)).timings().handoffs()).isEqualTo(1);
        assertThat(messages.checkpoint(ALICE, SESSION, t.turnId())).isEmpty();
    }

    @Test
    void aRunPastItsMaximumLengthEndsBeforeAnotherModelCallWithItsCheckpointsText() {
        TurnRequest t = turn(1_000, "hi", null);
        TurnSettings tenMinutes = new TurnSettings(20, 0, 256, 3).withRunLimits(20, 600_000);
        assertThatThrownBy(() -> runner(new HangingModel(), tenMinutes).run(t, 1, TurnRunner.MIN_MILLIS_TO_START))
                .isInstanceOf(TurnHandedOffException.class);

        now.addAndGet(600_000); // the next segment starts when the run's ten minutes are up
        ScriptedChatModel rest = ScriptedChatModel.answering("never ", "asked");
        assertThat(runner(rest, tenMinutes).run(t, 2, 60_000)).isEqualTo(TurnRunner.Outcome.RUN_TOO_LONG);

        assertThat(rest.requests).as("no model call past the run's end").isEmpty();
        assertThat(answer(t.turnId()).text()).isEqualTo("early ");
        assertThat(answer(t.turnId()).status()).isEqualTo(StoredMessage.RUN_TOO_LONG);
        ServerEvent.Done done = (ServerEvent.Done) eventsTo("a1").get(1);
        assertThat(done.finishReason()).isEqualTo("RUN_TOO_LONG");
        assertThat(done.timings().totalMs()).as("the run's whole length").isEqualTo(600_000);
    }

    @Test
    void handOffsDoNotCountAsFailedDeliveries() {
        TurnRequest t = turn(1_000, "hi", null);
        assertThatThrownBy(() -> runner(new HangingModel(), 0, 20, 3).run(t, 1, TurnRunner.MIN_MILLIS_TO_START))
                .isInstanceOf(TurnHandedOffException.class);

        // receives 2 and 3 fail: with one of the three receives a hand-off, only two deliveries failed
        for (int receive = 2; receive <= 3; receive++) {
            int r = receive;
            assertThatThrownBy(() -> runner(ScriptedChatModel.failing()).run(t, r, 60_000))
                    .isInstanceOf(TurnFailedException.class);
        }
        assertThat(eventsTo("a1")).noneMatch(e -> e instanceof ServerEvent.Error);

        assertThatThrownBy(() -> runner(ScriptedChatModel.failing()).run(t, 4, 60_000))
                .isInstanceOf(TurnGivenUpException.class).cause().isInstanceOf(TurnFailedException.class);
        assertThat(eventsTo("a1")).filteredOn(e -> e instanceof ServerEvent.Error).singleElement()
                .isInstanceOfSatisfying(ServerEvent.Error.class, e -> {
                    assertThat(e.code()).isEqualTo("TURN_FAILED");
                    assertThat(e.message()).contains("after 3 attempts");
                });
    }

    @Test
    void aModelThatStreamedNothingByTheDeadlineHasStalledAndFailsTheDeliveryWithoutAHandOff() {
        // (a model whose last text is older than ModelStream.HANDOFF_MAX_GAP_MILLIS has stalled too: RedeliveryIT)
        TurnRequest t = turn(1_000, "hi", null);
        assertThatThrownBy(() -> runner(new HangingModel(null), 0, 20, 3).run(t, 1, TurnRunner.MIN_MILLIS_TO_START))
                .isInstanceOf(TurnFailedException.class)
                .hasMessageContaining("did not finish");
        assertThat(eventsTo("a1")).as("not the last delivery: no TURN_FAILED yet").isEmpty();
        assertThat(messages.checkpoint(ALICE, SESSION, t.turnId())).isEmpty();
    }

    @Test
    void aStreamingAnswerAtTheDeadlineIsHandedOffAndTheNextDeliveryContinuesItAsOneStream() {
        TurnRequest t = turn(1_000, "hi", null);
        HangingModel model = new HangingModel();

        // not the last delivery: the record comes back, so the run is handed on (no TURN_FAILED)
        assertThatThrownBy(() -> runner(model, 0, 20, 3).run(t, 2, TurnRunner.MIN_MILLIS_TO_START))
                .isInstanceOf(TurnHandedOffException.class);
        var checkpoint = messages.checkpoint(ALICE, SESSION, t.turnId()).orElseThrow();
        assertThat(checkpoint.text()).isEqualTo("early ");
        assertThat(checkpoint.handoffs()).isEqualTo(1);
        assertThat(checkpoint.nextSeq()).isEqualTo(1);
        assertThat(eventsTo("a1")).containsExactly(new ServerEvent.Delta(SESSION, t.turnId(), 0, "early ", 1L));
        assertThat(answer(t.turnId())).isNull();
        model.handler.get().onPartialResponse("late "); // the closed stream reaches no one
        assertThat(eventsTo("a1")).hasSize(1);

        ScriptedChatModel rest = ScriptedChatModel.answering("and ", "the rest");
        assertThat(runner(rest).run(t, 3, 60_000)).isEqualTo(TurnRunner.Outcome.ANSWERED);

        List<ChatMessage> asked = rest.requests.get(0).messages();
        assertThat(asked.get(asked.size() - 2)).isEqualTo(AiMessage.from("early "));
        assertThat(asked.get(asked.size() - 1)).isEqualTo(UserMessage.from(AgentFactory.CONTINUE_INSTRUCTION));
        List<ServerEvent> events = eventsTo("a1");
        assertThat(events).noneMatch(e -> e instanceof ServerEvent.Restart);
        assertThat(events.subList(1, events.size() - 1)).extracting(e -> ((ServerEvent.Delta) e).seq())
                .containsExactly(1, 2);
        assertThat(events.subList(1, events.size() - 1)).extracting(e -> ((ServerEvent.Delta) e).attempt())
                .containsOnly(1L);
        ServerEvent.Done done = (ServerEvent.Done) events.get(events.size() - 1);
        assertThat(done.deltas()).isEqualTo(3);
        assertThat(done.timings().handoffs()).isEqualTo(1);
        assertThat(checkpoint.outputTokens()).as("the first segment's, charged at the hand-off").isPositive();
        assertThat(done.usage().outputTokens()).as("both segments").isGreaterThan((int) checkpoint.outputTokens());
        StoredMessage answer = answer(t.turnId());
        assertThat(answer.text()).isEqualTo("early and the rest");
        assertThat(answer.stream().deltas()).isEqualTo(3);
        assertThat(messages.checkpoint(ALICE, SESSION, t.turnId())).as("cleared with the answer stored").isEmpty();
    }

    @Test
    void aResumeIsServedOnceAcrossHandOffsAndOneAskedBetweenTwoSegmentsIsServedByTheNext() {
        TurnRequest t = turn(1_000, "hi", null);
        // a3 reconnected before the first segment and asked to resume: that segment serves it
        connect(ALICE, "a3");
        sessions.requestResume(ALICE, SESSION, new dev.switchboard.domain.ResumeRequest("a3", t.turnId(), -1, null));
        assertThatThrownBy(() -> runner(new HangingModel(), 0, 20, 5).run(t, 2, TurnRunner.MIN_MILLIS_TO_START))
                .isInstanceOf(TurnHandedOffException.class);
        assertThat(messages.checkpoint(ALICE, SESSION, t.turnId()).orElseThrow().served())
                .as("the resume served, and the connections streamed to")
                .containsExactlyInAnyOrder(new dev.switchboard.domain.ResumeRequest("a3", t.turnId(), -1, null),
                        new dev.switchboard.domain.ResumeRequest("a1", t.turnId(), TurnOutput.REACHED, null),
                        new dev.switchboard.domain.ResumeRequest("a2", t.turnId(), TurnOutput.REACHED, null));
        // a4 reconnects while the record is between two invocations, holding nothing
        connect(ALICE, "a4");
        sessions.requestResume(ALICE, SESSION, new dev.switchboard.domain.ResumeRequest("a4", t.turnId(), -1, null));

        assertThat(runner(ScriptedChatModel.answering("and ", "the rest"), 0, 20, 5).run(t, 3, 60_000))
                .isEqualTo(TurnRunner.Outcome.ANSWERED);

        StoredMessage answer = answer(t.turnId());
        assertThat(answer.text()).isEqualTo("early and the rest");
        for (String connection : List.of("a3", "a4")) {
            List<ServerEvent> events = eventsTo(connection);
            dev.switchboard.testing.ClientView view = new dev.switchboard.testing.ClientView();
            events.forEach(view::apply);
            assertThat(events).as(connection).filteredOn(ServerEvent.Resumed.class::isInstance).hasSize(1);
            assertThat(view.text()).as(connection).isEqualTo(answer.text());
            assertThat(view.outOfOrder()).as(connection).isZero();
            assertThat(view.done()).as(connection).isTrue();
        }
        assertThat(eventsTo("a4").get(0)).as("the gap's resume: the checkpoint's text first")
                .isEqualTo(new ServerEvent.Resumed(SESSION, t.turnId(), 0, "early ", 1, "running", 1L, null));
    }

    @Test
    void aConnectionOpenedDuringAHandOffGetsTheTextSoFarBeforeTheNextSegmentsDeltas() {
        TurnRequest t = turn(1_000, "hi", null);
        assertThatThrownBy(() -> runner(new HangingModel(), 0, 20, 5).run(t, 2, TurnRunner.MIN_MILLIS_TO_START))
                .isInstanceOf(TurnHandedOffException.class);
        connect(ALICE, "a5"); // a second tab, opened while the record is between invocations; it sends no resume

        assertThat(runner(ScriptedChatModel.answering("and ", "the rest"), 0, 20, 5).run(t, 3, 60_000))
                .isEqualTo(TurnRunner.Outcome.ANSWERED);

        List<ServerEvent> events = eventsTo("a5");
        assertThat(events.get(0)).as("the earlier segment's text first, unasked")
                .isEqualTo(new ServerEvent.Resumed(SESSION, t.turnId(), 0, "early ", 1, "running", 1L, null));
        dev.switchboard.testing.ClientView view = new dev.switchboard.testing.ClientView();
        events.forEach(view::apply);
        assertThat(view.text()).isEqualTo(answer(t.turnId()).text()).isEqualTo("early and the rest");
        assertThat(view.outOfOrder()).isZero();
        assertThat(view.done()).isTrue();
        assertThat(eventsTo("a1")).as("a connection the first segment streamed to gets no replay")
                .noneMatch(ServerEvent.Resumed.class::isInstance);
    }

    @Test
    void aConnectionStreamedToBeforeAHandOffThatAsksToResumeFromNothingIsReplayedTheWholeText() {
        TurnRequest t = turn(1_000, "hi", null);
        assertThatThrownBy(() -> runner(new HangingModel(), 0, 20, 5).run(t, 2, TurnRunner.MIN_MILLIS_TO_START))
                .isInstanceOf(TurnHandedOffException.class);
        // a1 got the first segment's delta but dropped it (its page was elsewhere); it asks for the whole turn
        sessions.requestResume(ALICE, SESSION, new dev.switchboard.domain.ResumeRequest("a1", t.turnId(), -1, null));

        assertThat(runner(ScriptedChatModel.answering("and ", "the rest"), 0, 20, 5).run(t, 3, 60_000))
                .isEqualTo(TurnRunner.Outcome.ANSWERED);

        assertThat(eventsTo("a1")).as("its resume is served, not taken for the hand-off's note that a1 was reached")
                .contains(new ServerEvent.Resumed(SESSION, t.turnId(), 0, "early ", 1, "running", 1L, null));
    }

    @Test
    void aSegmentThatDiesAfterAHandOffIsRestartedFromTheLastCheckpointAndItsClientsDropWhatItStreamedPastIt() {
        TurnRequest t = turn(1_000, "hi", null);
        assertThatThrownBy(() -> runner(new HangingModel(), 0, 20, 5).run(t, 2, TurnRunner.MIN_MILLIS_TO_START))
                .isInstanceOf(TurnHandedOffException.class);
        var checkpoint = messages.checkpoint(ALICE, SESSION, t.turnId()).orElseThrow();
        // the next segment continues the stream, sends a delta past the checkpoint, and fails without handing off
        StreamingChatModel dying = new StreamingChatModel() {
            @Override
            public void doChat(ChatRequest request, StreamingChatResponseHandler h) {
                h.onPartialResponse("lost ");
                h.onError(new IllegalStateException("the segment dies"));
            }
        };
        assertThatThrownBy(() -> runner(dying, 0, 20, 5).run(t, 3, 60_000)).isInstanceOf(RuntimeException.class)
                .isNotInstanceOf(TurnHandedOffException.class);
        assertThat(deltasTo("a1")).extracting(ServerEvent.Delta::text).containsExactly("early ", "lost ");
        assertThat(messages.checkpoint(ALICE, SESSION, t.turnId())).as("the last saved one").contains(checkpoint);

        ScriptedChatModel rest = ScriptedChatModel.answering("and ", "the rest");
        assertThat(runner(rest, 0, 20, 5).run(t, 4, 60_000)).isEqualTo(TurnRunner.Outcome.ANSWERED);

        List<ChatMessage> asked = rest.requests.get(0).messages();
        assertThat(asked.get(asked.size() - 2)).as("the checkpoint's text, not the dead segment's")
                .isEqualTo(AiMessage.from("early "));
        List<ServerEvent> events = eventsTo("a1");
        List<ServerEvent.Restart> restarts = events.stream().filter(ServerEvent.Restart.class::isInstance)
                .map(ServerEvent.Restart.class::cast).toList();
        assertThat(restarts).hasSize(1);
        ServerEvent.Restart restart = restarts.get(0);
        assertThat(restart.fromSeq()).as("the checkpoint's next seq").isEqualTo(checkpoint.nextSeq()).isEqualTo(1);
        assertThat(restart.attempt()).as("a new run").isGreaterThan(checkpoint.stream().attempt());
        List<ServerEvent.Delta> after = deltas(events.subList(events.indexOf(restart), events.size()));
        assertThat(after).extracting(ServerEvent.Delta::seq).containsExactly(1, 2);
        assertThat(after).extracting(ServerEvent.Delta::attempt).containsOnly(restart.attempt());
        dev.switchboard.testing.ClientView view = new dev.switchboard.testing.ClientView();
        events.forEach(view::apply);
        StoredMessage answer = answer(t.turnId());
        assertThat(answer.text()).isEqualTo("early and the rest");
        assertThat(view.text()).as("the client's view after the restart").isEqualTo(answer.text());
        assertThat(view.outOfOrder()).isZero();
        assertThat(answer.stream().attempt()).as("a resume names the restarted run").isEqualTo(restart.attempt());
        assertThat(answer.stream().deltas()).isEqualTo(3);
        assertThat(((ServerEvent.Done) events.get(events.size() - 1)).deltas()).isEqualTo(3);
        assertThat(messages.checkpoint(ALICE, SESSION, t.turnId())).isEmpty();
    }

    @Test
    void theReserveIsASixthOfTheTimeLeftWithinItsBoundsSoShortTimeoutsStillLeaveTheModelMostOfIt() {
        assertThat(TurnRunner.reserveMillis(90_000)).as("a 90 s invocation").isEqualTo(5_000);
        assertThat(TurnRunner.reserveMillis(900_000)).as("a 900 s invocation").isEqualTo(5_000);
        assertThat(TurnRunner.reserveMillis(18_000)).as("18 s left").isEqualTo(3_000);
        assertThat(TurnRunner.reserveMillis(3_000)).as("a 3 s invocation").isEqualTo(500);
        assertThat(TurnRunner.reserveMillis(1_000)).as("at least").isEqualTo(TurnRunner.MIN_RESERVE_MILLIS);
        assertThat(TurnRunner.MIN_MILLIS_TO_START - TurnRunner.reserveMillis(TurnRunner.MIN_MILLIS_TO_START))
                .as("the model's time at the least time to start").isEqualTo(TurnRunner.MIN_MODEL_MILLIS);
    }

    @Test
    void aTurnIsNotStartedWithoutEnoughTimeLeft() {
        TurnRequest t = turn(1_000, "hi", null);
        HangingModel model = new HangingModel();
        assertThatThrownBy(() -> runner(model, 0, 20, 3).run(t, 1, TurnRunner.MIN_MILLIS_TO_START - 1))
                .isInstanceOf(TurnFailedException.class)
                .hasMessageContaining("left in this invocation");
        assertThat(model.handler.get()).as("the model was not called").isNull();
        assertThat(gateway.framesTo("a1")).isEmpty();
    }

    /**
     * After a turn failed (here: timed out), the abandoned stream may still deliver tokens; they must not reach the
     * client after the turn's error event (nor interleave with a retry that starts again at seq 0).
     */
    @Test
    void tokensOfAnAbandonedStreamAreNotSentAfterTheTurnFailed() {
        TurnRequest t = turn(1_000, "hi", null);
        HangingModel model = new HangingModel(null);
        assertThatThrownBy(() -> runner(model, 0, 20, 3).run(t, 3, TurnRunner.MIN_MILLIS_TO_START))
                .isInstanceOf(TurnGivenUpException.class).cause().isInstanceOf(TurnFailedException.class);
        int framesAtFailure = gateway.framesTo("a1").size();

        model.handler.get().onPartialResponse("late ");
        model.handler.get().onPartialResponse("tokens");

        assertThat(gateway.framesTo("a1")).hasSize(framesAtFailure);
        List<ServerEvent> events = eventsTo("a1");
        assertThat(events.get(events.size() - 1)).isInstanceOf(ServerEvent.Error.class);
    }

    @Test
    void anEarlierTurnStillWaitingForItsAnswerIsLeftOutOfTheHistory() {
        turn(1_000, "u1", "a1");
        turn(2_000, "u2 racing", null); // enqueued after u3 although its id is older: not answered yet
        TurnRequest t3 = turn(3_000, "u3", null);
        ScriptedChatModel model = ScriptedChatModel.answering("ok");

        runner(model).run(t3, 1, 60_000);

        List<ChatMessage> sent = model.requests.get(0).messages();
        assertThat(sent.toString()).contains("u1", "a1", "u3").doesNotContain("u2 racing");
        assertThat(sent).hasSize(4);
    }

    @Test
    void aSessionDeletedWhileItsTurnRanKeepsNoAnswerAndGetsNoDone() {
        TurnRequest t = turn(1_000, "hi", null);
        ScriptedChatModel model = new ScriptedChatModel(r -> {
            messages.deleteSession(ALICE, SESSION); // the user deletes the session mid-answer
            sessions.delete(ALICE, SESSION);
            return List.of("too ", "late");
        }, r -> false);

        assertThat(runner(model).run(t, 1, 60_000)).isEqualTo(TurnRunner.Outcome.TURN_GONE);

        assertThat(messages.all()).noneMatch(m -> m.sessionId().equals(SESSION));
        assertThat(eventsTo("a1")).noneMatch(ServerEvent.Done.class::isInstance);
    }

    @Test
    void aFailureAfterTheAnswerIsStoredDoesNotFailTheTurn() {
        TurnRequest t = turn(1_000, "hi", null);
        InMemorySessionStore real = sessions;
        sessions = new InMemorySessionStore() {
            @Override
            public boolean touch(String userId, String sessionId, long updatedAtMillis) {
                throw new IllegalStateException("throttled");
            }
        };
        sessions.createIfAbsent(real.get(ALICE, SESSION).orElseThrow());

        assertThat(runner(ScriptedChatModel.answering("fine")).run(t, 3, 60_000))
                .isEqualTo(TurnRunner.Outcome.ANSWERED);

        List<ServerEvent> events = eventsTo("a1");
        assertThat(events.get(events.size() - 1)).isInstanceOf(ServerEvent.Done.class);
        assertThat(events).noneMatch(ServerEvent.Error.class::isInstance);
    }

    @Test
    void aStoreFailureBeforeStreamingStillTellsTheUserOnTheLastDelivery() {
        TurnRequest t = turn(1_000, "hi", null);
        InMemoryMessageStore real = messages;
        messages = new InMemoryMessageStore() {
            @Override
            public List<StoredMessage> recentUpTo(String userId, String sessionId, String turnId, int count) {
                throw new IllegalStateException("throttled");
            }
        };
        assertThatThrownBy(() -> runner(ScriptedChatModel.answering("x")).run(t, 3, 60_000))
                .isInstanceOf(TurnGivenUpException.class).cause().isInstanceOf(IllegalStateException.class);
        assertThat(eventsTo("a1")).singleElement().isInstanceOfSatisfying(ServerEvent.Error.class,
                e -> assertThat(e.code()).isEqualTo("TURN_FAILED"));
        messages = real;
    }
}
