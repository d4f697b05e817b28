package dev.switchboard.usecase;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.config.HoldingSettings;
import dev.switchboard.port.UserHoldings.Kind;
import dev.switchboard.protocol.ServerEvent;
import dev.switchboard.testing.InMemoryDocumentStore;
import dev.switchboard.testing.InMemoryKnowledgeVersions;
import dev.switchboard.testing.InMemoryMemoryStore;
import dev.switchboard.testing.InMemoryUserHoldings;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The caps on sessions and documents a user holds, and the per-minute limits on creating them, through the ingress. */
class HoldingLimitsTest extends IngressTestBed {
    private static final int SESSIONS = 3;
    private static final int DOCUMENTS = 2;
    private static final int PER_MINUTE = 10; // above what a test creates: refused creates count towards it too

    private final InMemoryUserHoldings counts = new InMemoryUserHoldings();
    private final InMemoryDocumentStore documents = new InMemoryDocumentStore();
    private ChatIngress ingress;

    @BeforeEach
    void build() {
        HoldingLimits holdings = new HoldingLimits(counts,
                new HoldingSettings(SESSIONS, DOCUMENTS, 0, PER_MINUTE, PER_MINUTE));
        var knowledge = new UserKnowledgeActions(new InMemoryMemoryStore(), documents,
                new InMemoryKnowledgeVersions(), queue, now::get, holdings);
        ingress = new ChatIngress(codec, sessions, messages, queue, ids, now::get, MODELS,
                ChatIngress.defaultCommands(sessions, messages, MODELS), knowledge, TurnLimits.NONE, holdings);
    }

    private ServerEvent send(String body) {
        now.addAndGet(1);
        return ingress.handle(ALICE, body);
    }

    @Test
    void sessionsStopAtTheCapWhetherCreatedOrStartedByAMessageAndADeleteMakesRoom() {
        assertThat(send("{\"action\":\"createSession\",\"sessionId\":\"s1\"}")).isInstanceOf(ServerEvent.SessionInfo.class);
        assertThat(send("{\"action\":\"createSession\",\"sessionId\":\"s1\"}"))
                .as("an existing session is found, not counted again").isInstanceOf(ServerEvent.SessionInfo.class);
        assertThat(send("{\"action\":\"sendMessage\",\"clientMessageId\":\"m1\",\"text\":\"hi\"}"))
                .isInstanceOf(ServerEvent.Accepted.class);
        assertThat(send("{\"action\":\"sendMessage\",\"clientMessageId\":\"m1\",\"text\":\"hi\"}"))
                .as("a resend of a first message finds its session").isInstanceOf(ServerEvent.Accepted.class);
        assertThat(send("{\"action\":\"createSession\"}")).isInstanceOf(ServerEvent.SessionInfo.class);
        assertThat(counts.count(ALICE, Kind.SESSIONS)).isEqualTo(SESSIONS);

        ServerEvent refused = send("{\"action\":\"sendMessage\",\"clientMessageId\":\"m2\",\"text\":\"hi\"}");
        assertThat(refused).isInstanceOfSatisfying(ServerEvent.Error.class,
                e -> assertThat(e.code()).isEqualTo("LIMIT_REACHED"));
        assertThat(send("{\"action\":\"createSession\"}")).isInstanceOf(ServerEvent.Error.class);
        assertThat(sessions.list(ALICE, 100, null).items()).hasSize(SESSIONS);
        assertThat(queue.enqueued).hasSize(2);

        send("{\"action\":\"deleteSession\",\"sessionId\":\"s1\"}");
        assertThat(send("{\"action\":\"createSession\"}")).isInstanceOf(ServerEvent.SessionInfo.class);
        assertThat(ingress.handle(BOB, "{\"action\":\"createSession\"}"))
                .as("another user has their own count").isInstanceOf(ServerEvent.SessionInfo.class);
    }

    @Test
    void documentsStopAtTheCapAndADeleteMakesRoom() {
        String add = "{\"action\":\"addDocument\",\"title\":\"t\",\"text\":\"some text\"}";
        ServerEvent first = send(add);
        assertThat(first).isInstanceOf(ServerEvent.DocumentAdded.class);
        assertThat(send(add)).isInstanceOf(ServerEvent.DocumentAdded.class);
        assertThat(send(add)).isInstanceOfSatisfying(ServerEvent.Error.class,
                e -> assertThat(e.message()).contains("At most 2 documents"));
        assertThat(documents.listDocuments(ALICE)).hasSize(DOCUMENTS);

        String id = ((ServerEvent.DocumentAdded) first).document().documentId();
        send("{\"action\":\"deleteDocument\",\"documentId\":\"" + id + "\"}");
        assertThat(send(add)).isInstanceOf(ServerEvent.DocumentAdded.class);
    }

    @Test
    void creatingIsLimitedPerMinuteAndTheNextMinuteStartsAfresh() {
        HoldingLimits fast = new HoldingLimits(counts, new HoldingSettings(0, 0, 0, 2, 2));
        var control = new SessionControl(sessions, messages, queue, MODELS, now::get, fast);
        for (int i = 0; i < 2; i++) {
            assertThat(control.create(ALICE, new dev.switchboard.protocol.ClientAction.CreateSession(null, null, null,
                    null, null))).isInstanceOf(ServerEvent.SessionInfo.class);
        }
        assertThat(control.create(ALICE, new dev.switchboard.protocol.ClientAction.CreateSession(null, null, null,
                null, null))).isInstanceOfSatisfying(ServerEvent.Error.class,
                e -> assertThat(e.message()).contains("per minute"));
        now.addAndGet(60_000);
        assertThat(control.create(ALICE, new dev.switchboard.protocol.ClientAction.CreateSession(null, null, null,
                null, null))).isInstanceOf(ServerEvent.SessionInfo.class);
    }

    @Test
    void parallelNotePutsNeverPassTheNotesCapAndADeleteMakesRoom() throws Exception {
        var notes = new dev.switchboard.testing.InMemoryNoteStore();
        var capped = new CappedNoteStore(notes, new HoldingLimits(counts, new HoldingSettings(0, 0, 5, 0, 0)));
        java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(8)) {
            for (int i = 0; i < 40; i++) {
                String id = String.format("%013d-%08x", i, i);
                pool.submit(() -> {
                    try {
                        capped.put(new dev.switchboard.domain.Note(ALICE, id, "note", 1));
                    } catch (CappedNoteStore.CapReachedException e) {
                        refused.incrementAndGet();
                    }
                });
            }
        }
        assertThat(notes.count(ALICE)).isEqualTo(5);
        assertThat(refused).hasValue(35);
        assertThat(capped.delete(ALICE, notes.list(ALICE).get(0).noteId())).isTrue();
        capped.put(new dev.switchboard.domain.Note(ALICE, "0000000000099-00000099", "again", 2));
        assertThat(notes.count(ALICE)).isEqualTo(5);
    }
}
