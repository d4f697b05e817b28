package dev.switchboard.usecase.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.Connection;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.Session;
import dev.switchboard.domain.ToolCall;
import dev.switchboard.domain.Chunk;
import dev.switchboard.domain.KnowledgeDocument;
import dev.switchboard.domain.Memory;
import dev.switchboard.port.Census;
import dev.switchboard.port.DependencyCheck;
import dev.switchboard.port.QueueMonitor;
import dev.switchboard.port.UsageCounters;
import dev.switchboard.testing.FixedMonitoring;
import dev.switchboard.testing.InMemoryConnectionStore;
import dev.switchboard.testing.InMemoryDocumentStore;
import dev.switchboard.testing.InMemoryKnowledgeVersions;
import dev.switchboard.testing.InMemoryMemoryStore;
import dev.switchboard.testing.InMemoryMessageStore;
import dev.switchboard.testing.InMemoryNoteStore;
import dev.switchboard.testing.InMemorySessionStore;
import dev.switchboard.testing.InMemoryUsageCounters;
import dev.switchboard.testing.RecordingGateway;
import dev.switchboard.domain.Note;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OperatorApiTest {
    private static final long NOW = 1_700_000_130_000L; // 30 s into a minute
    private static final long MINUTE = NOW / 60_000;

    private final InMemoryConnectionStore connections = new InMemoryConnectionStore();
    private final InMemorySessionStore sessions = new InMemorySessionStore();
    private final InMemoryMessageStore messages = new InMemoryMessageStore();
    private final InMemoryMemoryStore memories = new InMemoryMemoryStore();
    private final InMemoryDocumentStore documents = new InMemoryDocumentStore();
    private final InMemoryNoteStore notes = new InMemoryNoteStore();
    private final InMemoryKnowledgeVersions versions = new InMemoryKnowledgeVersions();
    private final RecordingGateway gateway = new RecordingGateway();
    private final FixedMonitoring monitoring = new FixedMonitoring();
    private final InMemoryUsageCounters usage = new InMemoryUsageCounters();
    private final List<DependencyCheck> dependencies = new ArrayList<>();

    private final OperatorApi api = new OperatorApi(
            new OperatorApi.UserStores(connections, sessions, messages, memories, documents, notes, versions,
                    this::sweep),
            gateway, new OperatorApi.Monitoring(monitoring, monitoring, usage, dependencies), () -> NOW);

    /** Gives {@code user} sessions with turns (and one tool call), memories, documents, notes and connections. */
    private void seed(String user, int sessionCount, int turnsEach, int memoryCount, int documentCount, int noteCount,
                      int connectionCount) {
        for (int s = 0; s < sessionCount; s++) {
            String sessionId = "s-" + s;
            sessions.createIfAbsent(new Session(user, sessionId, "t" + s, NOW, NOW));
            for (int t = 0; t < turnsEach; t++) {
                String turnId = String.format("%013d-%08x", NOW + t, t);
                messages.putIfAbsent(new StoredMessage(user, sessionId, turnId, Role.USER, "q", NOW, null));
                messages.putIfAbsent(new StoredMessage(user, sessionId, turnId, Role.ASSISTANT, "a", NOW, "m"));
            }
            messages.putIfAbsent(new StoredMessage(user, sessionId, String.format("%013d-%08x", NOW, 0), Role.TOOL,
                    "{}", NOW, null, "done", new ToolCall(0, "call-1", "current_time", "{}", null, 0)));
        }
        for (int m = 0; m < memoryCount; m++) {
            memories.put(new Memory(user, "m" + m, "fact " + m, null, null, NOW, NOW, new float[] {1, 0}));
        }
        for (int d = 0; d < documentCount; d++) {
            documents.putDocument(new KnowledgeDocument(user, "d" + d, "doc", 10, 2, KnowledgeDocument.Status.INDEXING,
                    NOW), List.of(new Chunk(user, "d" + d, 0, "a", null), new Chunk(user, "d" + d, 1, "b", null)));
        }
        for (int n = 0; n < noteCount; n++) {
            notes.put(new Note(user, "n" + n, "note", NOW));
        }
        for (int c = 0; c < connectionCount; c++) {
            connections.put(new Connection(user, user + "-conn-" + c, NOW, System.currentTimeMillis() / 1000 + 7200));
        }
    }

    // ------------------------------------------------------------------ per user

    @Test
    void deletingAUserRemovesEverythingTheyOwnAndReportsWhat() {
        seed("alice", 3, 2, 4, 2, 5, 2);
        seed("bob", 1, 1, 1, 1, 1, 1);
        memories.put(new Memory("alice", "extra", "x", null, null, NOW, NOW, null));

        OperatorApi.DeletionReport r = api.deleteUser("alice");

        assertThat(r).isEqualTo(new OperatorApi.DeletionReport("alice", new OperatorApi.ConnectionsEnded(2, 2, 0, 0),
                3, 12, 5, 2, 5, LEFT_IN_PARTITION));
        assertThat(sessions.list("alice", 100, null).items()).isEmpty();
        assertThat(messages.all()).allMatch(m -> m.userId().equals("bob"));
        assertThat(memories.list("alice")).isEmpty();
        assertThat(documents.listDocuments("alice")).isEmpty();
        assertThat(documents.chunksOf("alice", "d0")).isEmpty();
        assertThat(notes.list("alice")).isEmpty();
        assertThat(connections.listByUser("alice")).isEmpty();
        assertThat(gateway.closed).containsExactlyInAnyOrder("alice-conn-0", "alice-conn-1");
        assertThat(swept).as("the user's partition is swept last, once").containsExactly("alice");
        // bob keeps everything
        assertThat(sessions.list("bob", 100, null).items()).hasSize(1);
        assertThat(messages.all()).hasSize(3);
        assertThat(memories.list("bob")).hasSize(1);
        assertThat(documents.listDocuments("bob")).hasSize(1);
        assertThat(notes.list("bob")).hasSize(1);
        assertThat(connections.listByUser("bob")).hasSize(1);
        assertThat(versions.current("bob")).isZero();
    }

    /** What the partition sweep found besides the kinds the report counts (quota counters, the version item). */
    private static final int LEFT_IN_PARTITION = 2;
    private final List<String> swept = new ArrayList<>();

    private int sweep(String userId) {
        swept.add(userId);
        return LEFT_IN_PARTITION;
    }

    @Test
    void deletingAgainReportsNothingAndAUserWithoutDataGetsNoVersionItem() {
        seed("alice", 1, 1, 0, 0, 0, 0);
        api.deleteUser("alice");
        assertThat(api.deleteUser("alice")).isEqualTo(new OperatorApi.DeletionReport("alice",
                new OperatorApi.ConnectionsEnded(0, 0, 0, 0), 0, 0, 0, 0, 0, LEFT_IN_PARTITION));
        assertThat(versions.current("alice")).isZero();
    }

    @Test
    void aUserWithMoreSessionsThanOnePageLosesThemAll() {
        seed("carol", 230, 0, 0, 0, 0, 0);
        assertThat(api.deleteUser("carol").sessions()).isEqualTo(230);
        assertThat(sessions.list("carol", 10, null).items()).isEmpty();
    }

    @Test
    void endingConnectionsClosesEachOnceAndKeepsTheRowOfOneThatFailed() {
        seed("dave", 0, 0, 0, 0, 0, 3);
        gateway.gone.add("dave-conn-1");        // already closed at the gateway
        gateway.failing.add("dave-conn-2");     // the gateway errs

        assertThat(api.endConnections("dave")).isEqualTo(new OperatorApi.ConnectionsEnded(3, 1, 1, 1));
        assertThat(gateway.closed).containsExactly("dave-conn-0");
        assertThat(connections.listByUser("dave")).extracting(Connection::connectionId).containsExactly("dave-conn-2");
        assertThat(api.endConnections("nobody")).isEqualTo(new OperatorApi.ConnectionsEnded(0, 0, 0, 0));
    }

    @Test
    void sessionsArePagedAndArgumentsChecked() {
        seed("erin", 5, 0, 0, 0, 0, 0);
        var first = api.sessions("erin", 3, null);
        assertThat(first.items()).hasSize(3);
        assertThat(api.sessions("erin", 3, first.nextCursor()).items()).hasSize(2);
        assertThatThrownBy(() -> api.sessions("erin", 0, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> api.sessions("erin", 101, null)).isInstanceOf(IllegalArgumentException.class);
        for (String bad : new String[] {"", "a/b", "a#b", "x".repeat(129), "white space"}) {
            assertThatThrownBy(() -> api.sessions(bad, 10, null)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> api.deleteUser(bad)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> api.endConnections(bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    // ------------------------------------------------------------------ health

    @Test
    void healthIsUpWhenEveryDependencyAnswers() {
        dependencies.add(DependencyCheck.of("SessionsTable", "table", () -> "ACTIVE"));
        dependencies.add(DependencyCheck.of("model:offline", "model", () -> "in process"));

        OperatorApi.Health h = api.health();

        assertThat(h.up()).isTrue();
        assertThat(h.checks()).extracting(OperatorApi.Check::name)
                .containsExactly("SessionsTable", "model:offline", "TurnsQueue", "TurnsDeadLetterQueue",
                        "UserDataQueue", "UserDataDeadLetterQueue");
        assertThat(h.checks()).allMatch(OperatorApi.Check::up);
        assertThat(h.checks().get(0).detail()).isEqualTo("ACTIVE");
        assertThat(h.checks().get(2).kind()).isEqualTo("queue");
    }

    @Test
    void aFailingOrSilentDependencyMakesHealthDegradedAndSaysWhich() {
        dependencies.add(DependencyCheck.of("model:openai", "model", () -> {
            throw new java.net.ConnectException("Connection refused");
        }));
        dependencies.add(DependencyCheck.of("slow", "model", () -> {
            Thread.sleep(60_000);
            return "late";
        }));
        long start = System.nanoTime();

        OperatorApi.Health h = api.health();

        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(OperatorApi.CHECK_TIMEOUT.toMillis() + 2000);
        assertThat(h.up()).isFalse();
        assertThat(h.checks().get(0).up()).isFalse();
        assertThat(h.checks().get(0).detail()).isEqualTo("ConnectException: Connection refused");
        assertThat(h.checks().get(1).up()).isFalse();
        assertThat(h.checks().get(1).detail()).startsWith("no answer within");
        assertThat(h.checks().get(2).up()).as("the queues still answer").isTrue();
    }

    @Test
    void anUnreachableQueueIsReportedDown() {
        monitoring.outage = new IllegalStateException("sqs down");
        OperatorApi.Health h = api.health();
        assertThat(h.up()).isFalse();
        assertThat(h.checks()).filteredOn(c -> c.kind().equals("queue")).allMatch(c -> !c.up());
    }

    // ------------------------------------------------------------------ stats

    @Test
    void statsGatherTheCensusTheQueuesAndTheCountersOfTheWindow() {
        monitoring.openConnections = 7;
        monitoring.sessions = new Census.Sessions(40, 3, NOW - 12_000);
        monitoring.depths.put(QueueMonitor.Queue.TURNS, new QueueMonitor.Depth(5, 2, 0));
        monitoring.depths.put(QueueMonitor.Queue.DEAD_LETTERS, new QueueMonitor.Depth(1, 0, 0));
        monitoring.depths.put(QueueMonitor.Queue.USER_DATA, new QueueMonitor.Depth(4, 1, 0));
        monitoring.depths.put(QueueMonitor.Queue.USER_DATA_DEAD_LETTERS, new QueueMonitor.Depth(2, 0, 0));
        usage.add(NOW, Map.of(UsageCounters.TURNS, 4L, UsageCounters.TOKENS_IN, 100L, UsageCounters.TOKENS_OUT, 50L,
                UsageCounters.CACHE_HITS, 3L, UsageCounters.CACHE_MISSES, 1L, UsageCounters.error("TURN_FAILED"), 1L));
        usage.add(NOW - 4 * 60_000, Map.of(UsageCounters.TURNS, 6L, UsageCounters.error("TURN_FAILED"), 2L,
                UsageCounters.error("INTERNAL"), 1L));
        usage.max(NOW, UsageCounters.CACHE_SIZE, 12);
        usage.max(NOW - 60_000, UsageCounters.CACHE_SIZE, 30);
        usage.add(NOW - 5 * 60_000, Map.of(UsageCounters.TURNS, 1000L)); // outside a 5-minute window

        OperatorApi.Stats s = api.stats(5);

        assertThat(s.atMillis()).isEqualTo(NOW);
        assertThat(s.unavailable()).isEmpty();
        assertThat(s.openConnections()).isEqualTo(7);
        assertThat(s.sessions()).isEqualTo(new Census.Sessions(40, 3, NOW - 12_000));
        assertThat(s.turnsQueue()).isEqualTo(new QueueMonitor.Depth(5, 2, 0));
        assertThat(s.deadLetterQueue().visible()).isEqualTo(1);
        assertThat(s.userDataQueue()).isEqualTo(new QueueMonitor.Depth(4, 1, 0));
        assertThat(s.userDataDeadLetterQueue().visible()).isEqualTo(2);
        OperatorApi.Usage u = s.usage();
        assertThat(u.windowMinutes()).isEqualTo(5);
        assertThat(u.turns()).isEqualTo(10);
        assertThat(u.turnsPerMinute()).isEqualTo(2.0);
        assertThat(u.tokensPerMinute()).isEqualTo(30.0);
        assertThat(u.cacheHitRate()).isEqualTo(0.75);
        assertThat(u.cacheSizeMax()).isEqualTo(30);
        assertThat(u.errors()).containsExactly(Map.entry("INTERNAL", 1L), Map.entry("TURN_FAILED", 3L));
        assertThat(u.minutes()).extracting(UsageCounters.Minute::minute)
                .containsExactly(MINUTE - 4, MINUTE - 1, MINUTE);
    }

    @Test
    void withoutCountersTheRatesAreZeroAndTheCacheUnknown() {
        OperatorApi.Usage u = api.stats(15).usage();
        assertThat(u.turns()).isZero();
        assertThat(u.cacheHitRate()).isNull();
        assertThat(u.cacheSizeMax()).isNull();
        assertThat(u.errors()).isEmpty();
    }

    @Test
    void aPartThatCannotBeReadIsNamedAndTheOthersAreStillThere() {
        monitoring.outage = new IllegalStateException("down");
        usage.add(NOW, Map.of(UsageCounters.TURNS, 2L));

        OperatorApi.Stats s = api.stats(1);

        assertThat(s.unavailable()).containsExactly("connections", "sessions", "turnsQueue", "deadLetterQueue",
                "userDataQueue", "userDataDeadLetterQueue");
        assertThat(s.openConnections()).isNull();
        assertThat(s.sessions()).isNull();
        assertThat(s.usage().turns()).isEqualTo(2);
    }

    @Test
    void theWindowIsBounded() {
        assertThatThrownBy(() -> api.stats(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> api.stats(OperatorApi.MAX_STATS_MINUTES + 1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
