package dev.switchboard.usecase;


import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.Session;
import dev.switchboard.domain.ToolCall;
import dev.switchboard.domain.ToolStatus;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.ServerEvent;
import dev.switchboard.domain.Ids;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The message route's agent actions end to end through {@link ChatIngress#handle}: busy policies, slash commands,
 * session settings, cancel and tool decisions routing, and history with tool calls. */
class ChatIngressAgentActionsTest extends IngressTestBed {
    private ChatIngress ingress;

    @BeforeEach
    void setUp() {
        ingress = new ChatIngress(codec, sessions, messages, queue, ids, () -> now.get(), MODELS,
                ChatIngress.defaultCommands(sessions, messages, MODELS), KnowledgeActions.NONE);
    }

    // ------------------------------------------------------------------ helpers

    /** A frame from alternating field names and values (null values left out). */
    private String frame(String action, Object... fields) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("action", action);
        for (int i = 0; i < fields.length; i += 2) {
            if (fields[i + 1] != null) {
                m.put((String) fields[i], fields[i + 1]);
            }
        }
        try {
            return codec.mapper().writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private ServerEvent send(String userId, String clientMessageId, String sessionId, String text) {
        now.addAndGet(10); // each message a little later, as in life
        return ingress.handle(userId, frame("sendMessage", "clientMessageId", clientMessageId, "sessionId", sessionId,
                "text", text));
    }

    private String createSession(String sessionId, String busyPolicy) {
        ServerEvent reply = ingress.handle(ALICE, frame("createSession", "sessionId", sessionId,
                "busyPolicy", busyPolicy));
        assertThat(reply).isInstanceOf(ServerEvent.SessionInfo.class);
        return sessionId;
    }

    private Session session(String sessionId) {
        return sessions.get(ALICE, sessionId).orElseThrow();
    }

    private static ServerEvent.Error error(ServerEvent event, ErrorCode code) {
        assertThat(event).isInstanceOf(ServerEvent.Error.class);
        ServerEvent.Error e = (ServerEvent.Error) event;
        assertThat(e.code()).isEqualTo(code.name());
        return e;
    }

    private static ServerEvent.CommandResult commandResult(ServerEvent event) {
        assertThat(event).isInstanceOf(ServerEvent.CommandResult.class);
        return (ServerEvent.CommandResult) event;
    }

    // ------------------------------------------------------------------ busy policies

    @Test
    void rejectRefusesAnotherMessageWhileATurnRunsAndStoresNothing() {
        createSession("s-1", "reject");
        ServerEvent.Accepted running = (ServerEvent.Accepted) send(ALICE, "m1", "s-1", "first");
        int messageWrites = messages.writes.get();

        ServerEvent reply = send(ALICE, "m2", "s-1", "second");

        assertThat(reply).isEqualTo(new ServerEvent.Error(ErrorCode.SESSION_BUSY.name(),
                "This session is still answering; wait for its done event or cancel it", "sendMessage", "s-1",
                running.turnId(), "m2"));
        assertThat(messages.all()).extracting(StoredMessage::text).containsExactly("first");
        assertThat(messages.writes).as("not even the clientMessageId is claimed").hasValue(messageWrites);
        assertThat(queue.enqueued).extracting(TurnRequest::turnId).containsExactly(running.turnId());
        assertThat(session("s-1").lastTurnId()).isEqualTo(running.turnId());

        // once the turn is settled the next message is taken, as a fresh one
        sessions.markSettled(ALICE, "s-1", running.turnId(), now.get());
        assertThat(send(ALICE, "m2", "s-1", "second")).isInstanceOfSatisfying(ServerEvent.Accepted.class,
                a -> assertThat(a.duplicate()).isFalse());
    }

    @Test
    void rejectDoesNotRefuseARetryOfTheRunningMessage() {
        createSession("s-1", "reject");
        ServerEvent.Accepted running = (ServerEvent.Accepted) send(ALICE, "m1", "s-1", "first");

        ServerEvent retry = send(ALICE, "m1", "s-1", "first");

        assertThat(retry).isEqualTo(new ServerEvent.Accepted("s-1", running.turnId(), "m1", true));
        assertThat(messages.all()).hasSize(1);
    }

    @Test
    void interruptCancelsTheRunningTurnAndQueuesTheNewOne() {
        createSession("s-1", "interrupt");
        ServerEvent.Accepted first = (ServerEvent.Accepted) send(ALICE, "m1", "s-1", "first");

        ServerEvent reply = send(ALICE, "m2", "s-1", "second");

        assertThat(reply).isInstanceOf(ServerEvent.Accepted.class);
        ServerEvent.Accepted second = (ServerEvent.Accepted) reply;
        Session s = session("s-1");
        assertThat(s.cancelUpTo()).isEqualTo(first.turnId());
        assertThat(s.cancelled(first.turnId())).isTrue();
        assertThat(s.cancelled(second.turnId())).as("the new message is not cancelled").isFalse();
        assertThat(s.lastTurnId()).isEqualTo(second.turnId());
        assertThat(queue.enqueued).extracting(TurnRequest::turnId).containsExactly(first.turnId(), second.turnId());
        assertThat(messages.all()).extracting(StoredMessage::text).containsExactly("first", "second");
    }

    @Test
    void interruptWithNothingRunningCancelsNothing() {
        createSession("s-1", "interrupt");
        ServerEvent.Accepted first = (ServerEvent.Accepted) send(ALICE, "m1", "s-1", "first");
        sessions.markSettled(ALICE, "s-1", first.turnId(), now.get());

        send(ALICE, "m2", "s-1", "second");

        assertThat(session("s-1").cancelUpTo()).isNull();
    }

    @Test
    void enqueueIsTheDefaultAndQueuesBoth() {
        ServerEvent.Accepted first = (ServerEvent.Accepted) send(ALICE, "m1", null, "first");
        String sessionId = first.sessionId();

        ServerEvent.Accepted second = (ServerEvent.Accepted) send(ALICE, "m2", sessionId, "second");

        assertThat(queue.enqueued).extracting(TurnRequest::turnId).containsExactly(first.turnId(), second.turnId());
        assertThat(session(sessionId).cancelUpTo()).isNull();
        assertThat(messages.all()).hasSize(2);
    }

    // ------------------------------------------------------------------ session settings and control, routed

    @Test
    void sessionActionsAreRoutedToTheirUseCase() {
        assertThat(ingress.handle(ALICE, frame("listModels"))).isEqualTo(new ServerEvent.Models(MODELS.models(), OFFLINE));
        error(ingress.handle(ALICE, frame("createSession", "sessionId", "s-1", "model", "openai:gpt-9")),
                ErrorCode.MODEL_NOT_ALLOWED);
        assertThat(sessions.get(ALICE, "s-1")).isEmpty();

        createSession("s-1", null);
        assertThat(ingress.handle(ALICE, frame("updateSession", "sessionId", "s-1", "model", GPT,
                "systemPrompt", "Be brief."))).isInstanceOfSatisfying(ServerEvent.SessionInfo.class,
                i -> assertThat(i.session().model()).isEqualTo(GPT));
        assertThat(ingress.handle(ALICE, frame("updateSession", "sessionId", "s-1", "systemPrompt", "")))
                .isInstanceOfSatisfying(ServerEvent.SessionInfo.class,
                        i -> assertThat(i.session().systemPrompt()).isNull());
        assertThat(session("s-1").systemPrompt()).isNull();
        error(ingress.handle(BOB, frame("updateSession", "sessionId", "s-1", "title", "mine")),
                ErrorCode.SESSION_NOT_FOUND);

        error(ingress.handle(ALICE, frame("cancel", "sessionId", "s-1")), ErrorCode.NOTHING_TO_CANCEL);
        error(ingress.handle(ALICE, frame("approveTool", "sessionId", "s-1", "turnId", ids.newTurnId(1),
                "toolCallId", "c1")), ErrorCode.TOOL_CALL_NOT_FOUND);
        assertThat(queue.enqueued).isEmpty();
    }

    @Test
    void cancelOfARunningTurnIsRecordedThroughTheRoute() {
        ServerEvent.Accepted a = (ServerEvent.Accepted) send(ALICE, "m1", null, "hi");

        assertThat(ingress.handle(ALICE, frame("cancel", "sessionId", a.sessionId())))
                .isEqualTo(new ServerEvent.CancelRequested(a.sessionId(), a.turnId()));
        assertThat(session(a.sessionId()).cancelled(a.turnId())).isTrue();
    }

    // ------------------------------------------------------------------ slash commands

    @Test
    void helpListsTheCommandsAndStoresNothing() {
        ServerEvent.CommandResult help = commandResult(send(ALICE, "m1", null, "/help"));

        assertThat(help.command()).isEqualTo("help");
        assertThat(help.sessionId()).isNull();
        assertThat(help.text()).contains("/help", "/reset", "/model [id]");
        assertThat(messages.all()).isEmpty();
        assertThat(messages.writes).hasValue(0);
        assertThat(queue.enqueued).isEmpty();
        assertThat(sessions.list(ALICE, 10, null).items()).as("no session is started by a command").isEmpty();
    }

    @Test
    void aCommandDoesNotUseUpItsClientMessageId() {
        createSession("s-1", null);
        commandResult(send(ALICE, "m1", "s-1", "/help"));

        assertThat(send(ALICE, "m1", "s-1", "a real message")).isInstanceOfSatisfying(ServerEvent.Accepted.class,
                a -> assertThat(a.duplicate()).isFalse());
    }

    @Test
    void modelListsTheAllowedModelsAndTheSessionsOne() {
        createSession("s-1", null);

        ServerEvent.CommandResult r = commandResult(send(ALICE, "m1", "s-1", "/model"));

        assertThat(r.sessionId()).isEqualTo("s-1");
        assertThat(r.text()).contains("Model of this session: " + OFFLINE, OFFLINE + " (default)", GPT);
        assertThat(messages.all()).isEmpty();
        assertThat(queue.enqueued).isEmpty();
    }

    @Test
    void modelWithAnIdSwitchesTheSession() {
        createSession("s-1", null);

        ServerEvent.CommandResult r = commandResult(send(ALICE, "m1", "s-1", "/model " + GPT));

        assertThat(r.text()).contains(GPT);
        assertThat(session("s-1").model()).isEqualTo(GPT);
        assertThat(commandResult(send(ALICE, "m2", "s-1", "/MODEL")).text())
                .contains("Model of this session: " + GPT);
        assertThat(messages.all()).isEmpty();
        assertThat(queue.enqueued).isEmpty();
    }

    @Test
    void modelWithAnIdOffTheListIsRefused() {
        createSession("s-1", null);

        error(send(ALICE, "m1", "s-1", "/model openai:gpt-9"), ErrorCode.MODEL_NOT_ALLOWED);

        assertThat(session("s-1").model()).isNull();
    }

    @Test
    void modelWithAnIdNeedsASession() {
        error(send(ALICE, "m1", null, "/model " + GPT), ErrorCode.SESSION_NOT_FOUND);
        assertThat(sessions.list(ALICE, 10, null).items()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/frobnicate", "/ help", "/helpme now"})
    void anUnknownCommandIsRefusedAndStoresNothing(String text) {
        createSession("s-1", null);

        ServerEvent.Error e = error(send(ALICE, "m1", "s-1", text), ErrorCode.UNKNOWN_COMMAND);

        assertThat(e.action()).isEqualTo("sendMessage");
        assertThat(e.message()).contains("/help", "//");
        assertThat(messages.all()).isEmpty();
        assertThat(queue.enqueued).isEmpty();
    }

    @Test
    void aDoubleSlashSendsTheTextWithOneSlashToTheModel() {
        ServerEvent reply = send(ALICE, "m1", null, "//etc/hosts is a file");

        assertThat(reply).isInstanceOf(ServerEvent.Accepted.class);
        assertThat(messages.all()).extracting(StoredMessage::text).containsExactly("/etc/hosts is a file");
        assertThat(queue.enqueued).hasSize(1);
        assertThat(sessions.get(ALICE, ((ServerEvent.Accepted) reply).sessionId()).orElseThrow().title())
                .isEqualTo("/etc/hosts is a file");
    }

    @Test
    void aCommandInAnotherUsersSessionIsSessionNotFound() {
        createSession("s-1", null);

        error(send(BOB, "m1", "s-1", "/model " + GPT), ErrorCode.SESSION_NOT_FOUND);
        error(send(BOB, "m2", "s-1", "/reset"), ErrorCode.SESSION_NOT_FOUND);

        assertThat(session("s-1").model()).isNull();
    }

    @Test
    void resetClearsTheConversationCancelsTheRunningTurnAndKeepsTheSettings() {
        createSession("s-1", null);
        ingress.handle(ALICE, frame("updateSession", "sessionId", "s-1", "systemPrompt", "Be brief."));
        send(ALICE, "m1", "s-1", "first");
        ServerEvent.Accepted running = (ServerEvent.Accepted) send(ALICE, "m2", "s-1", "second");
        int enqueued = queue.enqueued.size();

        ServerEvent.CommandResult r = commandResult(send(ALICE, "m3", "s-1", "/reset"));

        assertThat(r.command()).isEqualTo("reset");
        assertThat(r.text()).contains("2 messages");
        assertThat(messages.all()).isEmpty();
        assertThat(session("s-1").cancelled(running.turnId())).isTrue();
        assertThat(session("s-1").systemPrompt()).isEqualTo("Be brief.");
        assertThat(queue.enqueued).hasSize(enqueued);
    }

    // ------------------------------------------------------------------ history with tool calls

    private StoredMessage user(String turnId, String text) {
        return new StoredMessage(ALICE, "s-1", turnId, Role.USER, text, now.get(), null);
    }

    private StoredMessage assistant(String turnId, String text) {
        return new StoredMessage(ALICE, "s-1", turnId, Role.ASSISTANT, text, now.get(), "m");
    }

    private StoredMessage tool(String turnId, int step, String id, ToolStatus status, String result) {
        return StoredMessage.toolCall(ALICE, "s-1", turnId, result, now.get(), status,
                new ToolCall(step, id, "lookup", "{\"q\":\"" + id + "\"}", null, 0));
    }

    /** t1 (no tools), t2 (two tool calls, the second denied), t3 (no tools); returns their ids. */
    private List<String> conversationWithTools() {
        sessions.createIfAbsent(new Session(ALICE, "s-1", "t", 1, 1));
        List<String> turns = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            turns.add(ids.newTurnId(now.addAndGet(1_000)));
        }
        messages.putIfAbsent(user(turns.get(0), "u1"));
        messages.putIfAbsent(assistant(turns.get(0), "a1"));
        messages.putIfAbsent(user(turns.get(1), "u2"));
        messages.putIfAbsent(tool(turns.get(1), 0, "c1", ToolStatus.DONE, "r1"));
        messages.putIfAbsent(tool(turns.get(1), 1, "c2", ToolStatus.DENIED, ToolCall.DENIED_RESULT));
        messages.putIfAbsent(assistant(turns.get(1), "a2"));
        messages.putIfAbsent(user(turns.get(2), "u3"));
        messages.putIfAbsent(assistant(turns.get(2), "a3"));
        return turns;
    }

    private static String line(ServerEvent.HistoryMessage m) {
        return m.role() + ":" + m.text() + (m.toolCallId() == null ? "" : ":" + m.toolCallId() + ":" + m.status());
    }

    private List<List<String>> pages(int limit) {
        List<List<String>> pages = new ArrayList<>();
        String cursor = null;
        do {
            ServerEvent reply = ingress.handle(ALICE, frame("getHistory", "sessionId", "s-1", "limit", limit,
                    "cursor", cursor));
            assertThat(reply).isInstanceOf(ServerEvent.History.class);
            ServerEvent.History h = (ServerEvent.History) reply;
            pages.add(h.messages().stream().map(ChatIngressAgentActionsTest::line).toList());
            cursor = h.nextCursor();
            assertThat(pages).as("paging ends").hasSizeLessThan(20);
        } while (cursor != null);
        return pages;
    }

    @Test
    void historyPutsEachTurnsToolCallsRightAfterItsUserMessage() {
        List<String> turns = conversationWithTools();

        ServerEvent.History h = (ServerEvent.History) ingress.handle(ALICE,
                frame("getHistory", "sessionId", "s-1"));

        assertThat(h.messages()).extracting(ChatIngressAgentActionsTest::line).containsExactly(
                "user:u1", "assistant:a1",
                "user:u2", "tool:r1:c1:done", "tool:" + ToolCall.DENIED_RESULT + ":c2:denied", "assistant:a2",
                "user:u3", "assistant:a3");
        ServerEvent.HistoryMessage call = h.messages().get(3);
        assertThat(call.turnId()).isEqualTo(turns.get(1));
        assertThat(call.toolName()).isEqualTo("lookup");
        assertThat(call.toolArguments()).isEqualTo("{\"q\":\"c1\"}");
        assertThat(call.model()).isNull();
        assertThat(h.nextCursor()).isNull();
        assertThat(codec.write(h)).contains("\"role\":\"tool\"", "\"toolCallId\":\"c1\"");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 100})
    void everyToolCallIsOnExactlyOnePageWhateverThePageSize(int limit) {
        conversationWithTools();

        List<List<String>> pages = pages(limit);

        List<String> oldestFirst = new ArrayList<>();
        List<List<String>> reversed = new ArrayList<>(pages);
        Collections.reverse(reversed);
        reversed.forEach(oldestFirst::addAll);
        assertThat(oldestFirst).containsExactly(
                "user:u1", "assistant:a1",
                "user:u2", "tool:r1:c1:done", "tool:" + ToolCall.DENIED_RESULT + ":c2:denied", "assistant:a2",
                "user:u3", "assistant:a3");
        assertThat(pages).allSatisfy(p -> assertThat(p).isNotEmpty().first().asString().doesNotStartWith("tool:"));
    }

    @Test
    void aPageEndingWithAnAnswerWhoseUserMessageIsOlderHasNoToolCalls() {
        conversationWithTools();

        List<List<String>> pages = pages(3);

        assertThat(pages.get(0)).containsExactly("assistant:a2", "user:u3", "assistant:a3");
        assertThat(pages.get(1)).containsExactly("user:u1", "assistant:a1", "user:u2", "tool:r1:c1:done",
                "tool:" + ToolCall.DENIED_RESULT + ":c2:denied");
    }

    @Test
    void historyOfANewSessionWithoutMessagesIsEmpty() {
        createSession("s-new", null);

        assertThat(ingress.handle(ALICE, frame("getHistory", "sessionId", "s-new")))
                .isEqualTo(new ServerEvent.History("s-new", List.of(), null));
    }

    @Test
    void historyAfterResetIsEmpty() {
        send(ALICE, "m1", null, "hello");
        String sessionId = Ids.sessionIdFor(ALICE, "m1");
        commandResult(send(ALICE, "m2", sessionId, "/reset"));

        assertThat(ingress.handle(ALICE, frame("getHistory", "sessionId", sessionId)))
                .isEqualTo(new ServerEvent.History(sessionId, List.of(), null));
    }

    @Test
    void anotherUsersToolCallsNeverShowUp() {
        conversationWithTools();
        sessions.createIfAbsent(new Session(BOB, "s-1", "t", 1, 1));

        ServerEvent.History h = (ServerEvent.History) ingress.handle(BOB, frame("getHistory", "sessionId", "s-1"));

        assertThat(h.messages()).isEmpty();
    }
}
