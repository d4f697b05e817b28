package dev.switchboard.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.Page;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.Session;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.port.Metrics;
import dev.switchboard.port.Clock;
import dev.switchboard.port.SessionStore;
import dev.switchboard.protocol.ProtocolCodec;
import dev.switchboard.protocol.ServerEvent;
import dev.switchboard.domain.Ids;
import dev.switchboard.runtime.WebSocketEvents;
import dev.switchboard.testing.CracFixtures;
import dev.switchboard.testing.EventFixtures;
import dev.switchboard.testing.InMemoryMessageStore;
import dev.switchboard.testing.InMemorySessionStore;
import dev.switchboard.testing.RecordingTurnQueue;
import dev.switchboard.testing.TestLambdaContext;
import dev.switchboard.usecase.ChatIngress;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MessageHandlerTest {
    private static final long NOW = 1_700_000_100_000L;
    private static final Clock CLOCK = () -> NOW;

    private final ProtocolCodec codec = new ProtocolCodec();
    private final InMemorySessionStore sessions = new InMemorySessionStore();
    private final InMemoryMessageStore messages = new InMemoryMessageStore();
    private final RecordingTurnQueue queue = new RecordingTurnQueue();
    private final Ids ids = new Ids();
    private final MessageHandler handler = handlerWith(sessions);

    @TempDir
    Path tmp;

    private MessageHandler handlerWith(SessionStore sessionStore) {
        return new MessageHandler(new ChatIngress(codec, sessionStore, messages, queue, ids, CLOCK), codec, ids);
    }

    private static APIGatewayV2WebSocketEvent messageEvent(String userId, String routeKey, String body) {
        var ctx = new APIGatewayV2WebSocketEvent.RequestContext();
        ctx.setRouteKey(routeKey);
        ctx.setEventType("MESSAGE");
        ctx.setConnectionId("conn-1");
        ctx.setRequestId("req-3");
        if (userId != null) {
            ctx.setAuthorizer(Map.of("principalId", userId, "userId", userId));
        }
        var e = new APIGatewayV2WebSocketEvent();
        e.setRequestContext(ctx);
        e.setBody(body);
        return e;
    }

    private ServerEvent reply(APIGatewayV2WebSocketResponse r) {
        assertThat(r.getStatusCode()).isEqualTo(200);
        assertThat(r.getBody()).isNotBlank();
        return codec.readEvent(r.getBody());
    }

    private void assertNothingStored() {
        assertThat(sessions.writes.get()).isZero();
        assertThat(messages.writes.get()).isZero();
        assertThat(messages.all()).isEmpty();
        assertThat(queue.enqueued).isEmpty();
    }

    // ------------------------------------------------------------------ actions

    @Test
    void sendMessageIsAcceptedStoredAndEnqueued() {
        APIGatewayV2WebSocketResponse r = handler.handleRequest(messageEvent("user-alice", "sendMessage",
                "{\"action\":\"sendMessage\",\"clientMessageId\":\"c-1\",\"text\":\"Hello there\"}"), null);

        assertThat(r.getBody()).contains("\"type\":\"accepted\"");
        ServerEvent ev = reply(r);
        assertThat(ev).isInstanceOf(ServerEvent.Accepted.class);
        var accepted = (ServerEvent.Accepted) ev;
        assertThat(accepted.clientMessageId()).isEqualTo("c-1");
        assertThat(accepted.duplicate()).isFalse();
        assertThat(accepted.sessionId()).isEqualTo(Ids.sessionIdFor("user-alice", "c-1"));
        assertThat(accepted.turnId()).matches("\\d{13}-[0-9a-f]{8}").startsWith(String.format("%013d", NOW));

        assertThat(messages.all()).singleElement().satisfies(m -> {
            assertThat(m.userId()).isEqualTo("user-alice");
            assertThat(m.sessionId()).isEqualTo(accepted.sessionId());
            assertThat(m.turnId()).isEqualTo(accepted.turnId());
            assertThat(m.role()).isEqualTo(Role.USER);
            assertThat(m.text()).isEqualTo("Hello there");
        });
        assertThat(sessions.get("user-alice", accepted.sessionId())).isPresent();
        assertThat(queue.enqueued).singleElement().satisfies(t -> {
            assertThat(t.userId()).isEqualTo("user-alice");
            assertThat(t.sessionId()).isEqualTo(accepted.sessionId());
            assertThat(t.turnId()).isEqualTo(accepted.turnId());
            assertThat(t.clientMessageId()).isEqualTo("c-1");
        });
    }

    @Test
    void retriedSendMessageIsAcceptedAsDuplicateWithTheSameTurn() {
        String body = "{\"action\":\"sendMessage\",\"clientMessageId\":\"c-2\",\"text\":\"Once\"}";
        var first = (ServerEvent.Accepted) reply(handler.handleRequest(messageEvent("user-alice", "sendMessage", body), null));
        var second = (ServerEvent.Accepted) reply(handler.handleRequest(messageEvent("user-alice", "sendMessage", body), null));

        assertThat(second.duplicate()).isTrue();
        assertThat(second.turnId()).isEqualTo(first.turnId());
        assertThat(second.sessionId()).isEqualTo(first.sessionId());
        assertThat(messages.all()).hasSize(1);
        assertThat(queue.enqueued).extracting(TurnRequest::turnId).containsOnly(first.turnId());
    }

    @Test
    void badJsonIsAnsweredWithBadJsonErrorAndNothingIsStored() {
        APIGatewayV2WebSocketResponse r = handler.handleRequest(messageEvent("user-alice", "$default", "{not json"), null);

        assertThat(r.getBody()).contains("\"type\":\"error\"");
        ServerEvent ev = reply(r);
        assertThat(ev).isInstanceOf(ServerEvent.Error.class);
        assertThat(((ServerEvent.Error) ev).code()).isEqualTo("BAD_JSON");
        assertNothingStored();
    }

    @Test
    void frameWithoutAuthorisedUserIsAnsweredWithAnErrorAndNothingIsStored() {
        APIGatewayV2WebSocketResponse r = handler.handleRequest(messageEvent(null, "sendMessage",
                "{\"action\":\"sendMessage\",\"clientMessageId\":\"c-3\",\"text\":\"Hi\"}"), null);

        ServerEvent ev = reply(r);
        assertThat(ev).isInstanceOf(ServerEvent.Error.class);
        assertThat(((ServerEvent.Error) ev).code()).isEqualTo("INTERNAL");
        assertNothingStored();
    }

    @Test
    void userIdInTheBodyIsNotTrusted() {
        APIGatewayV2WebSocketResponse r = handler.handleRequest(messageEvent("user-alice", "sendMessage",
                "{\"action\":\"sendMessage\",\"clientMessageId\":\"c-4\",\"text\":\"Hi\",\"userId\":\"user-bob\"}"), null);

        ServerEvent ev = reply(r);
        assertThat(ev).isInstanceOf(ServerEvent.Error.class);
        assertThat(((ServerEvent.Error) ev).code()).isEqualTo("INVALID_FIELD");
        assertNothingStored();
    }

    @Test
    void failingStoreIsAnsweredWithInternalErrorAndNoExceptionEscapes() {
        SessionStore broken = new InMemorySessionStore() {
            @Override
            public Optional<Session> get(String userId, String sessionId) {
                throw new IllegalStateException("DynamoDB is down");
            }

            @Override
            public Session createIfAbsent(Session session) {
                throw new IllegalStateException("DynamoDB is down");
            }

            @Override
            public boolean touch(String userId, String sessionId, long updatedAtMillis) {
                throw new IllegalStateException("DynamoDB is down");
            }

            @Override
            public Page<Session> list(String userId, int limit, String cursor) {
                throw new IllegalStateException("DynamoDB is down");
            }

            @Override
            public boolean delete(String userId, String sessionId) {
                throw new IllegalStateException("DynamoDB is down");
            }
        };
        MessageHandler h = handlerWith(broken);

        APIGatewayV2WebSocketResponse[] out = new APIGatewayV2WebSocketResponse[2];
        assertThatCode(() -> {
            out[0] = h.handleRequest(messageEvent("user-alice", "sendMessage",
                    "{\"action\":\"sendMessage\",\"clientMessageId\":\"c-5\",\"text\":\"Hi\"}"), null);
            out[1] = h.handleRequest(messageEvent("user-alice", "listSessions", "{\"action\":\"listSessions\"}"), null);
        }).doesNotThrowAnyException();

        for (APIGatewayV2WebSocketResponse r : out) {
            ServerEvent ev = reply(r);
            assertThat(ev).isInstanceOf(ServerEvent.Error.class);
            assertThat(((ServerEvent.Error) ev).code()).isEqualTo("INTERNAL");
            assertThat(r.getBody()).doesNotContain("DynamoDB is down");
        }
        assertThat(messages.all()).isEmpty();
        assertThat(queue.enqueued).isEmpty();
    }

    @Test
    void pingIsAnsweredWithPong() {
        ServerEvent ev = reply(handler.handleRequest(messageEvent("user-alice", "ping", "{\"action\":\"ping\"}"), null));

        assertThat(ev).isEqualTo(new ServerEvent.Pong(NOW));
        assertNothingStored();
    }

    @Test
    void anotherUsersSessionIsNotFound() {
        sessions.createIfAbsent(new Session("user-bob", "s-bob", "Bob's", NOW, NOW));
        sessions.writes.set(0);

        ServerEvent ev = reply(handler.handleRequest(messageEvent("user-alice", "getHistory",
                "{\"action\":\"getHistory\",\"sessionId\":\"s-bob\"}"), null));

        assertThat(ev).isInstanceOf(ServerEvent.Error.class);
        assertThat(((ServerEvent.Error) ev).code()).isEqualTo("SESSION_NOT_FOUND");
    }

    // ------------------------------------------------------------------ CRaC hooks and contract

    @Test
    void theLambdaEntryPointRegistersTheHandlerWithTheGlobalCracContext() {
        MessageHandler built = new MessageHandler(CracFixtures.offlineEnv());

        CracFixtures.assertRegisteredWithTheGlobalContext(built);
    }

    @Test
    void cracHooksRunTwiceAndLeaveNoStateBehind() {
        List<Long> coldStarts = new ArrayList<>();
        Metrics metrics = new Metrics() {
            public void turn(TurnFigures figures) { }

            public void error(String code) { }

            public void coldStart(long initMillis) {
                coldStarts.add(initMillis);
            }
        };
        MessageHandler h = new MessageHandler(new ChatIngress(codec, sessions, messages, queue, ids, CLOCK), codec,
                ids, metrics, 42);

        CracFixtures.assertHooksRepeatable(h);

        assertNothingStored();
        assertThat(sessions.list(WebSocketEvents.PRIMING_USER, 10, null).items()).isEmpty();
        assertThat(coldStarts).as("priming is no invocation").isEmpty();

        // the handler still works after a restore, and its first invocation is the environment's cold start
        for (String id : new String[] {"c-6", "c-7"}) {
            ServerEvent ev = reply(h.handleRequest(messageEvent("user-alice", "sendMessage",
                    "{\"action\":\"sendMessage\",\"clientMessageId\":\"" + id + "\",\"text\":\"after restore\"}"),
                    new TestLambdaContext()));
            assertThat(ev).isInstanceOf(ServerEvent.Accepted.class);
        }
        assertThat(coldStarts).containsExactly(42L);
    }

    /** The random state a snapshot holds: every environment restored from it starts with this one. */
    private static SecureRandom snapshotRandom() throws NoSuchAlgorithmException {
        SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
        r.setSeed(20_251_122L); // seeded before first use: a fixed, repeatable sequence
        return r;
    }

    /** A copy of the function restored from the snapshot (its own stores), or not restored. */
    private MessageHandler environment(boolean restored) throws Exception {
        Ids copy = new Ids(snapshotRandom());
        MessageHandler h = new MessageHandler(new ChatIngress(codec, new InMemorySessionStore(),
                new InMemoryMessageStore(), new RecordingTurnQueue(), copy, CLOCK), codec, copy);
        if (restored) {
            h.afterRestore(null);
        }
        return h;
    }

    private List<String> turnIds(MessageHandler h) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            var accepted = (ServerEvent.Accepted) reply(h.handleRequest(messageEvent("user-alice", "sendMessage",
                    "{\"action\":\"sendMessage\",\"clientMessageId\":\"c-" + i + "\",\"text\":\"hi\"}"), null));
            ids.add(accepted.turnId());
        }
        return ids;
    }

    @Test
    void copiesRestoredFromOneSnapshotMakeDifferentTurnIds() throws Exception {
        // without the restore hook, two copies of one snapshot repeat each other's ids (same clock, same random state)
        assertThat(turnIds(environment(false))).isEqualTo(turnIds(environment(false)));

        List<String> first = turnIds(environment(true));
        List<String> second = turnIds(environment(true));
        assertThat(first).doesNotContainAnyElementsOf(second)
                .doesNotContainAnyElementsOf(turnIds(environment(false)));
    }

    @Test
    void declaresRequiredEnvAsPublicStaticListOfStrings() {
        EventFixtures.assertRequiredEnv(MessageHandler.class, "SESSIONS_TABLE", "MESSAGES_TABLE", "TURNS_QUEUE_URL");
    }

    // ------------------------------------------------------------------ events/

    private static final String SESSION_ID = "s-events-0001";

    private APIGatewayV2WebSocketEvent sample(String name) {
        String file = EventFixtures.prepare(name, tmp, Map.of("${TOKEN}", "unused", "${SESSION_ID}", SESSION_ID));
        return EventLoader.loadEvent(file, APIGatewayV2WebSocketEvent.class);
    }

    private void seedSession() {
        sessions.createIfAbsent(new Session("user-alice", SESSION_ID, "Seeded session", NOW - 5000, NOW - 4000));
        messages.putIfAbsent(new StoredMessage("user-alice", SESSION_ID, "0000000000001-aaaaaaaa", Role.USER,
                "Seeded question", NOW - 5000, null));
        messages.putIfAbsent(new StoredMessage("user-alice", SESSION_ID, "0000000000001-aaaaaaaa", Role.ASSISTANT,
                "Seeded answer", NOW - 4000, "switchboard-offline-echo"));
    }

    @Test
    void sampleEventMessageSendIsAccepted() {
        ServerEvent ev = reply(handler.handleRequest(sample("message-send.json"), null));

        assertThat(ev).isInstanceOf(ServerEvent.Accepted.class);
        var accepted = (ServerEvent.Accepted) ev;
        assertThat(accepted.clientMessageId()).isEqualTo("c-0001");
        assertThat(messages.all()).singleElement().extracting(StoredMessage::text).isEqualTo("Hello, Switchboard");
        assertThat(queue.enqueued).hasSize(1);
    }

    @Test
    void sampleEventMessageListSessionsAnswersSessions() {
        seedSession();

        ServerEvent ev = reply(handler.handleRequest(sample("message-list-sessions.json"), null));

        assertThat(ev).isInstanceOf(ServerEvent.Sessions.class);
        assertThat(((ServerEvent.Sessions) ev).sessions()).extracting(ServerEvent.SessionSummary::sessionId)
                .containsExactly(SESSION_ID);
    }

    @Test
    void sampleEventMessageGetHistoryAnswersHistory() {
        seedSession();

        ServerEvent ev = reply(handler.handleRequest(sample("message-get-history.json"), null));

        assertThat(ev).isInstanceOf(ServerEvent.History.class);
        var history = (ServerEvent.History) ev;
        assertThat(history.sessionId()).isEqualTo(SESSION_ID);
        assertThat(history.messages()).extracting(ServerEvent.HistoryMessage::role).containsExactly("user", "assistant");
        assertThat(history.messages()).extracting(ServerEvent.HistoryMessage::text)
                .containsExactly("Seeded question", "Seeded answer");
    }

    @Test
    void sampleEventMessagePingAnswersPong() {
        ServerEvent ev = reply(handler.handleRequest(sample("message-ping.json"), null));

        assertThat(ev).isInstanceOf(ServerEvent.Pong.class);
    }

    @Test
    void sampleEventMessageBadJsonAnswersBadJson() {
        ServerEvent ev = reply(handler.handleRequest(sample("message-bad-json.json"), null));

        assertThat(ev).isInstanceOf(ServerEvent.Error.class);
        assertThat(((ServerEvent.Error) ev).code()).isEqualTo("BAD_JSON");
        assertNothingStored();
    }

    /** Priming that throws at publish time (here: nothing answers, or a step has nothing to work on) is logged; the hook goes on. */
    @Test
    void aPrimingStepThatThrowsDoesNotFailTheCheckpointHook() {
        // the handler answers a failed action with an error frame, so the failure is one outside it: no codec
        MessageHandler primed = new MessageHandler(new ChatIngress(codec, sessions, messages, queue, ids, CLOCK), null, ids);
        org.assertj.core.api.Assertions.assertThat(primed.prime()).as("priming steps that failed").isPositive();
        org.assertj.core.api.Assertions.assertThatCode(() -> primed.beforeCheckpoint(null)).doesNotThrowAnyException();
    }
}
