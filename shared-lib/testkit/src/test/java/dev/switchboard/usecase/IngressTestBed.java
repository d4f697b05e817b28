package dev.switchboard.usecase;

import dev.switchboard.domain.Ids;
import dev.switchboard.protocol.ProtocolCodec;
import dev.switchboard.protocol.ServerEvent;
import dev.switchboard.testing.InMemoryMessageStore;
import dev.switchboard.testing.InMemorySessionStore;
import dev.switchboard.testing.RecordingTurnQueue;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;

/**
 * The one setup of the message route's use-case tests: two users, a two-model allow-list, a settable clock and fresh
 * in-memory stores and queue before every test (JUnit runs this {@code @BeforeEach} before the subclass's own, which
 * builds the use case under test).
 */
abstract class IngressTestBed {
    static final String ALICE = "alice";
    static final String BOB = "bob";
    static final String OFFLINE = "offline:switchboard-offline-echo";
    static final String GPT = "openai:gpt-4o-mini";
    static final ModelListing MODELS = new ModelListing(List.of(
            new ServerEvent.ModelInfo(OFFLINE, "offline", "switchboard-offline-echo", true),
            new ServerEvent.ModelInfo(GPT, "openai", "gpt-4o-mini", false)), OFFLINE);

    final ProtocolCodec codec = new ProtocolCodec();
    final AtomicLong now = new AtomicLong(1_800_000_000_000L);
    final Ids ids = new Ids();
    InMemorySessionStore sessions;
    InMemoryMessageStore messages;
    RecordingTurnQueue queue;

    @BeforeEach
    final void freshStores() {
        sessions = new InMemorySessionStore();
        messages = new InMemoryMessageStore();
        queue = new RecordingTurnQueue();
    }
}
