package dev.switchboard.usecase;


import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.domain.BusyPolicy;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.Session;
import dev.switchboard.domain.ToolCall;
import dev.switchboard.domain.ToolStatus;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.protocol.ClientAction;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.ServerEvent;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** createSession, updateSession, listModels, cancel and approveTool / denyTool, straight on the use case. */
class SessionControlTest extends IngressTestBed {
    private SessionControl control;

    @BeforeEach
    void setUp() {
        control = new SessionControl(sessions, messages, queue, MODELS, now::get);
    }

    private static ClientAction.CreateSession create(String sessionId, String title, String model, String prompt,
                                                     String policy) {
        return new ClientAction.CreateSession(sessionId, title, model, prompt, policy);
    }

    private static ClientAction.UpdateSession update(String sessionId, String title, String model, String prompt,
                                                     String policy) {
        return new ClientAction.UpdateSession(sessionId, title, model, prompt, policy);
    }

    private static void assertError(ServerEvent event, ErrorCode code) {
        assertThat(event).isInstanceOfSatisfying(ServerEvent.Error.class,
                e -> assertThat(e.code()).isEqualTo(code.name()));
    }

    private Session stored(String userId, String sessionId) {
        return sessions.get(userId, sessionId).orElseThrow();
    }

    /** A session of Alice with one accepted turn; returns the turn id. */
    private String acceptedTurn(String sessionId) {
        sessions.createIfAbsent(new Session(ALICE, sessionId, "t", 1, 1));
        long at = now.addAndGet(1_000);
        String turnId = ids.newTurnId(at);
        messages.putIfAbsent(new StoredMessage(ALICE, sessionId, turnId, Role.USER, "hi", at, null));
        sessions.markAccepted(ALICE, sessionId, turnId, "c-" + at);
        return turnId;
    }

    /** Stores a tool call of the turn as the worker does when it pauses for approval. */
    private void toolCall(String sessionId, String turnId, int step, String toolCallId, ToolStatus status) {
        messages.putIfAbsent(StoredMessage.toolCall(ALICE, sessionId, turnId, "", now.get(), status,
                new ToolCall(step, toolCallId, "transfer", "{}", null, 0)));
    }

    private ToolStatus statusOf(String sessionId, String turnId, String toolCallId) {
        return messages.toolCalls(ALICE, sessionId, turnId, turnId).stream()
                .filter(s -> s.tool().toolCallId().equals(toolCallId)).findFirst().orElseThrow().toolStatus();
    }

    private ServerEvent decide(String userId, String sessionId, String turnId, String toolCallId, boolean approve) {
        return control.decide(userId, new ClientAction.DecideTool(sessionId, turnId, toolCallId, approve));
    }

    // ------------------------------------------------------------------ resume

    private ServerEvent resume(String userId, String connectionId, String sessionId, String turnId, int lastSeq,
                               Long attempt) {
        return control.resume(userId, connectionId, new ClientAction.Resume(sessionId, turnId, lastSeq, attempt));
    }

    @Test
    void resumeOfAStoredAnswerReplaysWhatTheClientMissed() {
        String turn = acceptedTurn("s-1");
        messages.putIfAbsent(new StoredMessage(ALICE, "s-1", turn, Role.ASSISTANT, "Hello world", now.get(), "m", null,
                null, new dev.switchboard.domain.StreamMarks(4, 0, 0, List.of(3, 6, 11))));

        assertThat(resume(ALICE, "c1", "s-1", turn, 0, 4L)).isEqualTo(
                new ServerEvent.Resumed("s-1", turn, 1, "lo world", 3, "answered", 4L, null));
        assertThat(resume(ALICE, null, "s-1", turn, 1, 3L)).as("deltas of another run: all of it again")
                .isEqualTo(new ServerEvent.Resumed("s-1", turn, 0, "Hello world", 3, "answered", 4L, null));
        assertThat(stored(ALICE, "s-1").resumes()).as("nothing is recorded for a stored answer").isEmpty();
    }

    @Test
    void resumeOfARunningTurnIsRecordedForTheWorker() {
        String turn = acceptedTurn("s-1");

        assertThat(resume(ALICE, "c1", "s-1", turn, 2, 5L)).isEqualTo(
                new ServerEvent.Resumed("s-1", turn, 3, null, 3, "running", 5L, null));
        assertThat(stored(ALICE, "s-1").resumes()).containsExactly(
                new dev.switchboard.domain.ResumeRequest("c1", turn, 2, 5L));
    }

    @Test
    void resumeOfATurnNobodyAnswersSaysStoppedAndRecordsNothing() {
        String turn = acceptedTurn("s-1");
        sessions.markSettled(ALICE, "s-1", turn, now.get()); // given up, or paused for a tool decision

        assertThat(resume(ALICE, "c1", "s-1", turn, -1, null)).isInstanceOfSatisfying(ServerEvent.Resumed.class,
                r -> assertThat(r.status()).isEqualTo("stopped"));
        assertThat(stored(ALICE, "s-1").resumes()).isEmpty();
    }

    @Test
    void resumeWithAnotherUsersIdsGetsExactlyTheAnswerOfAMissingId() {
        String turn = acceptedTurn("s-1");
        sessions.createIfAbsent(new Session(BOB, "s-b", "t", 1, 1));

        // Alice's session id: exactly what a user who has no such session is told
        assertThat(resume(BOB, "c2", "s-1", turn, -1, null)).isEqualTo(resume("carol", "c3", "s-1", turn, -1, null));
        assertError(resume(BOB, "c2", "s-1", turn, -1, null), ErrorCode.SESSION_NOT_FOUND);
        // Alice's turn id in Bob's own session: the same as a turn id nobody has (only the echoed id differs)
        String missing = "0000000000001-ffffffff";
        assertThat(resume(BOB, "c2", "s-b", turn, -1, null)).isEqualTo(
                ((ServerEvent.Error) resume(BOB, "c2", "s-b", missing, -1, null)).forTurn(turn));
        assertError(resume(BOB, "c2", "s-b", turn, -1, null), ErrorCode.TURN_NOT_FOUND);
        assertThat(stored(ALICE, "s-1").resumes()).isEmpty();
    }

    // ------------------------------------------------------------------ models and settings

    @Test
    void listModelsTellsTheAllowListAndTheDefault() {
        assertThat(control.listModels()).isEqualTo(new ServerEvent.Models(MODELS.models(), OFFLINE));
    }

    @Test
    void createStoresTheSettings() {
        ServerEvent reply = control.create(ALICE, create("s-1", "Trip", GPT, "Be brief.", "reject"));

        assertThat(reply).isInstanceOfSatisfying(ServerEvent.SessionInfo.class, i -> {
            assertThat(i.session().sessionId()).isEqualTo("s-1");
            assertThat(i.session().title()).isEqualTo("Trip");
            assertThat(i.session().model()).isEqualTo(GPT);
            assertThat(i.session().systemPrompt()).isEqualTo("Be brief.");
            assertThat(i.session().busyPolicy()).isEqualTo("reject");
            assertThat(i.session().createdAt()).isEqualTo("2027-01-15T08:00:00Z");
        });
        Session s = stored(ALICE, "s-1");
        assertThat(s.model()).isEqualTo(GPT);
        assertThat(s.systemPrompt()).isEqualTo("Be brief.");
        assertThat(s.busyPolicy()).isEqualTo(BusyPolicy.REJECT);
        assertThat(s.busy()).isFalse();
    }

    @Test
    void createWithAModelOffTheAllowListIsRefusedAndStoresNothing() {
        ServerEvent reply = control.create(ALICE, create("s-1", null, "openai:gpt-5-secret", null, null));

        assertThat(reply).isEqualTo(new ServerEvent.Error(ErrorCode.MODEL_NOT_ALLOWED.name(),
                "Model 'openai:gpt-5-secret' is not allowed; listModels tells which are", "createSession", "s-1",
                null, null));
        assertThat(sessions.get(ALICE, "s-1")).isEmpty();
        assertThat(sessions.writes).hasValue(0);
    }

    @Test
    void createIsIdempotentBySessionId() {
        ServerEvent first = control.create(ALICE, create("s-1", "First", GPT, "p1", "reject"));
        ServerEvent again = control.create(ALICE, create("s-1", "Second", OFFLINE, "p2", "interrupt"));

        assertThat(again).isEqualTo(first);
        Session s = stored(ALICE, "s-1");
        assertThat(s.title()).isEqualTo("First");
        assertThat(s.model()).isEqualTo(GPT);
        assertThat(sessions.list(ALICE, 10, null).items()).hasSize(1);
    }

    @Test
    void createWithoutAnIdMakesANewSessionEachTimeWithDefaults() {
        ServerEvent.SessionInfo a = (ServerEvent.SessionInfo) control.create(ALICE, create(null, null, null, "", null));
        ServerEvent.SessionInfo b = (ServerEvent.SessionInfo) control.create(ALICE, create(null, null, null, null, null));

        assertThat(a.session().sessionId()).startsWith("s-").isNotEqualTo(b.session().sessionId());
        assertThat(a.session().title()).isEqualTo("New session");
        assertThat(a.session().model()).isNull();
        assertThat(a.session().systemPrompt()).as("an empty prompt is no prompt").isNull();
        assertThat(a.session().busyPolicy()).isNull();
        assertThat(stored(ALICE, a.session().sessionId()).effectiveBusyPolicy()).isEqualTo(BusyPolicy.ENQUEUE);
        assertThat(sessions.list(ALICE, 10, null).items()).hasSize(2);
    }

    @Test
    void updateChangesOnlyTheGivenSettingsAndAnEmptyOneClears() {
        control.create(ALICE, create("s-1", "Trip", GPT, "Be brief.", "reject"));

        ServerEvent reply = control.update(ALICE, update("s-1", null, null, "", "interrupt"));

        assertThat(reply).isInstanceOfSatisfying(ServerEvent.SessionInfo.class, i -> {
            assertThat(i.session().systemPrompt()).isNull();
            assertThat(i.session().busyPolicy()).isEqualTo("interrupt");
            assertThat(i.session().model()).isEqualTo(GPT);
            assertThat(i.session().title()).isEqualTo("Trip");
        });
        Session s = stored(ALICE, "s-1");
        assertThat(s.systemPrompt()).isNull();
        assertThat(s.model()).isEqualTo(GPT);
        assertThat(s.busyPolicy()).isEqualTo(BusyPolicy.INTERRUPT);

        control.update(ALICE, update("s-1", "Renamed", "", null, null));
        assertThat(stored(ALICE, "s-1").model()).as("empty model: back to the default").isNull();
        assertThat(stored(ALICE, "s-1").title()).isEqualTo("Renamed");
        assertThat(stored(ALICE, "s-1").busyPolicy()).isEqualTo(BusyPolicy.INTERRUPT);
    }

    @Test
    void updateToAModelOffTheAllowListIsRefusedAndChangesNothing() {
        control.create(ALICE, create("s-1", "Trip", GPT, "Be brief.", null));

        assertError(control.update(ALICE, update("s-1", "New title", "ollama:llama3", null, null)),
                ErrorCode.MODEL_NOT_ALLOWED);

        assertThat(stored(ALICE, "s-1").model()).isEqualTo(GPT);
        assertThat(stored(ALICE, "s-1").title()).isEqualTo("Trip");
    }

    @Test
    void anotherUsersSessionCannotBeUpdatedAndLooksMissing() {
        control.create(BOB, create("s-bob", "Bob's", GPT, "Bob's prompt", null));

        ServerEvent reply = control.update(ALICE, update("s-bob", null, OFFLINE, "", null));

        assertThat(reply).isEqualTo(new ServerEvent.Error(ErrorCode.SESSION_NOT_FOUND.name(), "No such session",
                "updateSession", "s-bob", null, null));
        // exactly the answer for a session that does not exist at all
        assertThat(control.update(ALICE, update("s-nope", null, OFFLINE, "", null))).isEqualTo(
                new ServerEvent.Error(ErrorCode.SESSION_NOT_FOUND.name(), "No such session", "updateSession",
                        "s-nope", null, null));
        assertThat(stored(BOB, "s-bob").model()).isEqualTo(GPT);
        assertThat(stored(BOB, "s-bob").systemPrompt()).isEqualTo("Bob's prompt");
        assertThat(sessions.get(ALICE, "s-bob")).isEmpty();
    }

    // ------------------------------------------------------------------ cancel

    @Test
    void cancelRecordsTheCancelOnTheRunningTurn() {
        String turn = acceptedTurn("s-1");

        ServerEvent reply = control.cancel(ALICE, new ClientAction.Cancel("s-1", null));

        assertThat(reply).isEqualTo(new ServerEvent.CancelRequested("s-1", turn));
        assertThat(stored(ALICE, "s-1").cancelUpTo()).isEqualTo(turn);
        assertThat(stored(ALICE, "s-1").cancelled(turn)).isTrue();
        assertThat(queue.enqueued).isEmpty();
    }

    @Test
    void cancelTwiceIsNothingToCancelTheSecondTime() {
        acceptedTurn("s-1");
        control.cancel(ALICE, new ClientAction.Cancel("s-1", null));

        ServerEvent again = control.cancel(ALICE, new ClientAction.Cancel("s-1", null));

        assertError(again, ErrorCode.NOTHING_TO_CANCEL);
        assertThat(((ServerEvent.Error) again).message()).contains("already");
    }

    @Test
    void cancelWithNothingRunningIsNothingToCancel() {
        sessions.createIfAbsent(new Session(ALICE, "s-empty", "t", 1, 1));
        assertError(control.cancel(ALICE, new ClientAction.Cancel("s-empty", null)), ErrorCode.NOTHING_TO_CANCEL);

        String turn = acceptedTurn("s-1");
        sessions.markSettled(ALICE, "s-1", turn, now.get());
        int writes = sessions.writes.get();
        ServerEvent reply = control.cancel(ALICE, new ClientAction.Cancel("s-1", null));

        assertThat(reply).isEqualTo(new ServerEvent.Error(ErrorCode.NOTHING_TO_CANCEL.name(),
                "No running or queued turn to cancel in this session", "cancel", "s-1", null, null));
        assertThat(stored(ALICE, "s-1").cancelUpTo()).isNull();
        assertThat(sessions.writes).hasValue(writes);
    }

    @Test
    void cancelOfAGivenQueuedTurnCoversItAndTheOnesBeforeIt() {
        String first = acceptedTurn("s-1");
        String second = acceptedTurn("s-1");
        String third = acceptedTurn("s-1");

        assertThat(control.cancel(ALICE, new ClientAction.Cancel("s-1", second)))
                .isEqualTo(new ServerEvent.CancelRequested("s-1", second));

        Session s = stored(ALICE, "s-1");
        assertThat(s.cancelled(first)).isTrue();
        assertThat(s.cancelled(second)).isTrue();
        assertThat(s.cancelled(third)).isFalse();
    }

    @Test
    void cancelOfATurnThatWasNeverAcceptedIsNothingToCancel() {
        acceptedTurn("s-1");
        String future = ids.newTurnId(now.get() + 60_000);

        assertError(control.cancel(ALICE, new ClientAction.Cancel("s-1", future)), ErrorCode.NOTHING_TO_CANCEL);
        assertThat(stored(ALICE, "s-1").cancelUpTo()).isNull();
    }

    @Test
    void cancelInAnotherUsersSessionIsSessionNotFoundAndRecordsNothing() {
        acceptedTurn("s-1");
        assertError(control.cancel(BOB, new ClientAction.Cancel("s-1", null)), ErrorCode.SESSION_NOT_FOUND);
        assertThat(stored(ALICE, "s-1").cancelUpTo()).isNull();
    }

    @Test
    void aTurnPausedForApprovalIsNotCancelledButATurnResumingIs() {
        String turn = acceptedTurn("s-1");
        toolCall("s-1", turn, 0, "c1", ToolStatus.PENDING);
        sessions.markSettled(ALICE, "s-1", turn, now.get()); // the worker paused the turn

        assertError(control.cancel(ALICE, new ClientAction.Cancel("s-1", null)), ErrorCode.NOTHING_TO_CANCEL);

        decide(ALICE, "s-1", turn, "c1", true); // queued again to resume
        assertThat(control.cancel(ALICE, new ClientAction.Cancel("s-1", null)))
                .isEqualTo(new ServerEvent.CancelRequested("s-1", turn));
        assertThat(stored(ALICE, "s-1").cancelled(turn)).isTrue();

        // once answered it is over
        String later = acceptedTurn("s-2");
        toolCall("s-2", later, 0, "c9", ToolStatus.DONE);
        messages.putIfAbsent(new StoredMessage(ALICE, "s-2", later, Role.ASSISTANT, "done", now.get(), "m"));
        sessions.markSettled(ALICE, "s-2", later, now.get());
        assertError(control.cancel(ALICE, new ClientAction.Cancel("s-2", null)), ErrorCode.NOTHING_TO_CANCEL);
    }

    // ------------------------------------------------------------------ approveTool / denyTool

    @Test
    void approveMovesTheCallToApprovedAndQueuesTheResume() {
        String turn = acceptedTurn("s-1");
        toolCall("s-1", turn, 0, "c1", ToolStatus.PENDING);

        ServerEvent reply = decide(ALICE, "s-1", turn, "c1", true);

        assertThat(reply).isEqualTo(new ServerEvent.ToolDecision("s-1", turn, "c1", ToolStatus.APPROVED.wire()));
        assertThat(statusOf("s-1", turn, "c1")).isEqualTo(ToolStatus.APPROVED);
        assertThat(queue.enqueued).containsExactly(
                new TurnRequest(ALICE, "s-1", turn, null, now.get(), TurnRequest.Kind.RESUME, "0"));
        assertThat(queue.enqueued.get(0).groupId()).as("in the session's FIFO group")
                .isEqualTo(TurnRequest.sessionGroup(ALICE, "s-1"))
                .isNotEqualTo(TurnRequest.sessionGroup(BOB, "s-1"));
    }

    @Test
    void denyStoresTheDenialTheModelWillBeGiven() {
        String turn = acceptedTurn("s-1");
        toolCall("s-1", turn, 0, "c1", ToolStatus.PENDING);

        assertThat(decide(ALICE, "s-1", turn, "c1", false))
                .isEqualTo(new ServerEvent.ToolDecision("s-1", turn, "c1", ToolStatus.DENIED.wire()));

        StoredMessage step = messages.toolCalls(ALICE, "s-1", turn, turn).get(0);
        assertThat(step.toolStatus()).isEqualTo(ToolStatus.DENIED);
        assertThat(step.text()).isEqualTo(ToolCall.DENIED_RESULT);
        assertThat(queue.enqueued).singleElement().extracting(TurnRequest::kind).isEqualTo(TurnRequest.Kind.RESUME);
    }

    @Test
    void anUnknownToolCallIsNotFound() {
        String turn = acceptedTurn("s-1");
        toolCall("s-1", turn, 0, "c1", ToolStatus.PENDING);

        ServerEvent reply = decide(ALICE, "s-1", turn, "c-nope", true);

        assertThat(reply).isEqualTo(new ServerEvent.Error(ErrorCode.TOOL_CALL_NOT_FOUND.name(),
                "No tool call 'c-nope' in that turn", "approveTool", "s-1", turn, null));
        assertError(decide(ALICE, "s-1", ids.newTurnId(1), "c1", false), ErrorCode.TOOL_CALL_NOT_FOUND);
        assertThat(statusOf("s-1", turn, "c1")).isEqualTo(ToolStatus.PENDING);
        assertThat(queue.enqueued).isEmpty();
    }

    @Test
    void approveThenDenyIsAlreadyDecidedAndKeepsTheApproval() {
        String turn = acceptedTurn("s-1");
        toolCall("s-1", turn, 0, "c1", ToolStatus.PENDING);
        decide(ALICE, "s-1", turn, "c1", true);

        ServerEvent reply = decide(ALICE, "s-1", turn, "c1", false);

        assertThat(reply).isEqualTo(new ServerEvent.Error(ErrorCode.TOOL_ALREADY_DECIDED.name(),
                "This tool call was already approved", "denyTool", "s-1", turn, null));
        assertThat(statusOf("s-1", turn, "c1")).isEqualTo(ToolStatus.APPROVED);
        assertThat(queue.enqueued).hasSize(1);
    }

    @Test
    void denyThenApproveIsAlreadyDecided() {
        String turn = acceptedTurn("s-1");
        toolCall("s-1", turn, 0, "c1", ToolStatus.PENDING);
        decide(ALICE, "s-1", turn, "c1", false);

        assertError(decide(ALICE, "s-1", turn, "c1", true), ErrorCode.TOOL_ALREADY_DECIDED);
        assertThat(statusOf("s-1", turn, "c1")).isEqualTo(ToolStatus.DENIED);
    }

    @Test
    void approvingTwiceGivesTheSameDecisionAndTheSameResumeId() {
        String turn = acceptedTurn("s-1");
        toolCall("s-1", turn, 0, "c1", ToolStatus.PENDING);

        ServerEvent first = decide(ALICE, "s-1", turn, "c1", true);
        now.addAndGet(5);
        ServerEvent second = decide(ALICE, "s-1", turn, "c1", true);

        assertThat(second).isEqualTo(first);
        assertThat(queue.enqueued).hasSize(2);
        assertThat(queue.enqueued.get(1).deduplicationId()).as("the queue drops the repeat")
                .isEqualTo(queue.enqueued.get(0).deduplicationId());
        assertThat(queue.enqueued.get(0).deduplicationId()).isNotEqualTo(turn);
    }

    @Test
    void theResumeIsQueuedOnlyOnceNoCallOfTheTurnIsPending() {
        String turn = acceptedTurn("s-1");
        toolCall("s-1", turn, 100, "c1", ToolStatus.PENDING);
        toolCall("s-1", turn, 101, "c2", ToolStatus.PENDING);

        decide(ALICE, "s-1", turn, "c1", true);
        assertThat(queue.enqueued).as("c2 still waits").isEmpty();

        decide(ALICE, "s-1", turn, "c2", false);
        assertThat(queue.enqueued).singleElement().satisfies(r -> {
            assertThat(r.kind()).isEqualTo(TurnRequest.Kind.RESUME);
            assertThat(r.turnId()).isEqualTo(turn);
            assertThat(r.ref()).isEqualTo("101");
        });
    }

    @Test
    void anotherUserCannotDecideAndLeavesTheCallPending() {
        String turn = acceptedTurn("s-1");
        toolCall("s-1", turn, 0, "c1", ToolStatus.PENDING);

        assertError(decide(BOB, "s-1", turn, "c1", true), ErrorCode.SESSION_NOT_FOUND);

        assertThat(statusOf("s-1", turn, "c1")).isEqualTo(ToolStatus.PENDING);
        assertThat(queue.enqueued).isEmpty();
    }
}
