package dev.switchboard.turn;

import dev.switchboard.agent.AgentFactory;
import dev.switchboard.domain.Connection;
import dev.switchboard.domain.Ids;
import dev.switchboard.usecase.ModelListing;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.Session;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.protocol.ProtocolCodec;
import dev.switchboard.protocol.ServerEvent;
import dev.switchboard.testing.InMemoryConnectionStore;
import dev.switchboard.testing.InMemoryMessageStore;
import dev.switchboard.testing.InMemorySessionStore;
import dev.switchboard.testing.RecordingGateway;
import dev.switchboard.testing.RecordingTurnQueue;
import dev.switchboard.usecase.SessionControl;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;

/**
 * The setup the turn-engine tests share: in-memory stores, a recording gateway and queue, the session control the
 * message function would use, a clock the test moves, and one session of alice's ({@link #connect} adds connections).
 */
abstract class TurnFixture {
    static final String ALICE = "alice";
    static final String BOB = "bob";

    final ProtocolCodec codec = new ProtocolCodec();
    final Ids ids = new Ids();
    final AtomicLong now;
    private final String sessionId;
    InMemoryMessageStore messages;
    InMemorySessionStore sessions;
    InMemoryConnectionStore connections;
    RecordingGateway gateway;
    RecordingTurnQueue queue;
    SessionControl control;

    TurnFixture(String sessionId, long startMillis) {
        this.sessionId = sessionId;
        this.now = new AtomicLong(startMillis);
    }

    @BeforeEach
    void setUpFixture() {
        messages = new InMemoryMessageStore();
        sessions = new InMemorySessionStore();
        connections = new InMemoryConnectionStore();
        gateway = new RecordingGateway();
        queue = new RecordingTurnQueue();
        control = new SessionControl(sessions, messages, queue, ModelListing.offline(), now::get);
        sessions.createIfAbsent(new Session(ALICE, sessionId, "title", 1, 1));
    }

    /** Live connections of {@code userId} (they never expire during a test). */
    void connect(String userId, String... connectionIds) {
        for (String id : connectionIds) {
            connections.put(new Connection(userId, id, 1, Long.MAX_VALUE / 2000));
        }
    }

    TurnRunner runner(AgentFactory agents, TurnSettings settings) {
        return new TurnRunner(messages, sessions, connections, gateway, agents, codec, now::get, settings);
    }

    /** Stores the user message of a new turn a second later and marks it accepted, as the message function does. */
    TurnRequest accepted(String text) {
        long at = now.addAndGet(1_000);
        String turnId = ids.newTurnId(at);
        String clientMessageId = "c-" + at;
        messages.putIfAbsent(new StoredMessage(ALICE, sessionId, turnId, Role.USER, text, at, null));
        sessions.markAccepted(ALICE, sessionId, turnId, clientMessageId);
        return new TurnRequest(ALICE, sessionId, turnId, clientMessageId, at);
    }

    List<ServerEvent> eventsTo(String connectionId) {
        return gateway.framesTo(connectionId).stream().map(codec::readEvent).toList();
    }

    static List<ServerEvent.Delta> deltas(List<ServerEvent> events) {
        return events.stream().filter(ServerEvent.Delta.class::isInstance).map(ServerEvent.Delta.class::cast).toList();
    }

    List<ServerEvent.Delta> deltasTo(String connectionId) {
        return deltas(eventsTo(connectionId));
    }

    static String text(List<ServerEvent.Delta> deltas) {
        return String.join("", deltas.stream().map(ServerEvent.Delta::text).toList());
    }

    /** The stored answer of the turn, or null. */
    StoredMessage answer(String turnId) {
        return messages.all().stream().filter(m -> m.turnId().equals(turnId) && m.role() == Role.ASSISTANT)
                .findFirst().orElse(null);
    }

    StoredMessage answer(TurnRequest t) {
        return answer(t.turnId());
    }

    Session session() {
        return sessions.get(ALICE, sessionId).orElseThrow();
    }
}
