package dev.switchboard.turn;

import dev.switchboard.usecase.ModelListing;
import dev.switchboard.usecase.ChatIngress;
import dev.switchboard.usecase.ConnectionRegistry;
import dev.switchboard.usecase.TurnLimits;
import dev.switchboard.usecase.UserKnowledgeActions;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.switchboard.agent.AgentFactory;
import dev.switchboard.agent.KnowledgeContextSource;
import dev.switchboard.agent.ModelCatalog;
import dev.switchboard.agent.ModelChoice;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.port.DocumentStore;
import dev.switchboard.knowledge.KnowledgeRetriever;
import dev.switchboard.port.KnowledgeVersions;
import dev.switchboard.port.MemoryStore;
import dev.switchboard.knowledge.UserKnowledgeCache;
import dev.switchboard.port.Clock;
import dev.switchboard.port.ConnectionStore;
import dev.switchboard.port.MessageStore;
import dev.switchboard.port.SessionStore;
import dev.switchboard.port.Metrics;
import dev.switchboard.port.UserQuotas;
import dev.switchboard.port.TurnStanding;
import dev.switchboard.testing.InMemoryTurnStanding;
import dev.switchboard.protocol.ProtocolCodec;
import dev.switchboard.protocol.ServerEvent;
import dev.switchboard.domain.Ids;
import dev.switchboard.testing.HashingEmbedder;
import dev.switchboard.testing.InMemoryConnectionStore;
import dev.switchboard.testing.InMemoryDocumentStore;
import dev.switchboard.testing.InMemoryKnowledgeVersions;
import dev.switchboard.testing.InMemoryMemoryStore;
import dev.switchboard.testing.InMemoryMessageStore;
import dev.switchboard.testing.InMemoryNoteStore;
import dev.switchboard.testing.InMemorySessionStore;
import dev.switchboard.testing.InMemoryUserQuotas;
import dev.switchboard.testing.IsolationGuard;
import dev.switchboard.testing.RecordingGateway;
import dev.switchboard.testing.RecordingTurnQueue;
import dev.switchboard.tools.BuiltinTools;
import dev.switchboard.port.NoteStore;
import dev.switchboard.tools.ToolRegistry;
import dev.switchboard.usecase.MemoryCommand;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

/**
 * The system under test of {@link IsolationPropertyTest} and what its simulated users know. The real use cases
 * ({@link ConnectionRegistry}, {@link ChatIngress}, {@link TurnBatch} with {@link TurnRunner} and
 * {@link UserDataJobs}) are wired as the connect, message and worker functions wire them, on the in-memory fakes
 * behind an {@link IsolationGuard}, with a {@link MarkerEchoModel}, the built-in note tools ({@code save_note} needs
 * approval) and memories and documents on a hashing embedder. The turns queue is played by the test: a step delivers
 * queued records (the head of a FIFO group, alone or in a batch of several users' groups), or delivers one again.
 *
 * <p>Every step acts for one user (or, for a batch, the owners of its records) and is checked when it ends:
 * <ol>
 *   <li>every frame pushed went to a connection of a user the step acts for, and every id and marker in it belongs to
 *   that connection's user; every reply names only the acting user's ids (or ids it sent) and markers;</li>
 *   <li>every prompt carries the markers of exactly one user, one the step acts for;</li>
 *   <li>every store call is keyed by a user the step acts for, and every item read or written is that user's;</li>
 *   <li>an action naming another user's session, turn, document or memory gets exactly the reply that a never
 *   issued id gets, and leaves that user's data as it was.</li>
 * </ol>
 * What fails is collected as a problem of the step; {@link #assertIsolated()} (the chain's invariant) fails on any.
 */
final class IsolationWorld {
    static final int USERS = 12;
    private static final int MAX_CONNECTIONS = 3;
    private static final int SHARED_SESSION_IDS = 4;
    private static final int SHARED_MESSAGE_IDS = 6;
    private static final int REDELIVERABLE = 40;
    private static final int MAX_RECEIVES = 3;
    private static final long REMAINING_MILLIS = 60_000;
    private static final List<String> WORDS = List.of("apple", "river", "stone", "cloud", "amber", "maple",
            "harbor", "violet");
    private static final List<String> BUSY_POLICIES = List.of("reject", "interrupt", "enqueue");
    private static final Set<String> ID_FIELDS = Set.of("sessionId", "turnId", "documentId", "memoryId",
            "sourceSessionId", "sourceTurnId");

    /** Figures over every try of the property. */
    static final class Totals {
        long worlds;
        long steps;
        long replies;
        long frames;
        long prompts;
        long promptsWithKnowledge;
        long promptsWithToolResults;
        long crossUser;
        long deadLettered;
        long leaked;
        final Map<String, Long> events = new TreeMap<>();

        void event(String type) {
            events.merge(type, 1L, Long::sum);
        }
    }

    /** A tool call waiting for its user's decision, as an approvalRequired frame announced it. */
    private record Approval(String sessionId, String turnId, String toolCallId) {}

    /** A record on the turns queue. */
    private record Queued(String messageId, TurnRequest turn, String body, int receiveCount) {
        Queued again() {
            return new Queued(messageId, turn, body, Math.min(receiveCount + 1, MAX_RECEIVES));
        }
    }

    /** What one simulated user knows: its live connections and the ids the server gave it. */
    private static final class User {
        final String id;
        final String marker;
        final List<String> connections = new ArrayList<>();
        final List<String> sessions = new ArrayList<>();
        final Map<String, List<String>> turns = new HashMap<>();
        final List<Approval> approvals = new ArrayList<>();
        final List<String> memories = new ArrayList<>();
        final List<String> documents = new ArrayList<>();
        String lastSend;

        User(String id) {
            this.id = id;
            this.marker = Markers.of(id);
        }

        boolean canConnect() {
            return connections.size() < MAX_CONNECTIONS;
        }

        boolean connected() {
            return !connections.isEmpty();
        }

        boolean connectedWithSession() {
            return connected() && !sessions.isEmpty();
        }

        boolean canRetry() {
            return connected() && lastSend != null;
        }

        boolean canDecide() {
            return connected() && !approvals.isEmpty();
        }
    }

    private final IsolationGuard guard;
    private final Totals totals;
    private final AtomicLong now = new AtomicLong(System.currentTimeMillis());
    private final ProtocolCodec codec = new ProtocolCodec();
    private final ObjectMapper json = codec.mapper();
    private final Ids ids = new Ids();
    private final InMemorySessionStore rawSessions = new InMemorySessionStore();
    private final InMemoryMessageStore rawMessages = new InMemoryMessageStore();
    private final InMemoryMemoryStore rawMemories = new InMemoryMemoryStore();
    private final InMemoryDocumentStore rawDocuments = new InMemoryDocumentStore();
    private final InMemoryNoteStore rawNotes = new InMemoryNoteStore();
    private final RecordingGateway gateway = new RecordingGateway();
    private final RecordingTurnQueue queue = new RecordingTurnQueue();
    private final MarkerEchoModel model = new MarkerEchoModel();
    private final ConnectionRegistry registry;
    private final ChatIngress ingress;
    private final TurnBatch batch;

    private final Map<String, User> users = new LinkedHashMap<>();
    private final Map<String, String> connectionOwner = new HashMap<>();
    /** Who the server told an id belongs to (a client-chosen session id may belong to several users). */
    private final Map<String, Set<String>> owners = new HashMap<>();
    private final List<Queued> pending = new ArrayList<>();
    private final List<Queued> delivered = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private long counter;
    private int steps;
    private String lastStep = "(none)";

    IsolationWorld(IsolationGuard guard, Totals totals) {
        this.guard = guard;
        this.totals = totals;
        totals.worlds++;
        for (int i = 0; i < USERS; i++) {
            users.put("u" + i, new User("u" + i));
        }
        Clock clock = now::get;
        SessionStore sessions = guard.guard(SessionStore.class, rawSessions);
        MessageStore messages = guard.guard(MessageStore.class, rawMessages);
        ConnectionStore connections = guard.guard(ConnectionStore.class, new InMemoryConnectionStore());
        MemoryStore memories = guard.guard(MemoryStore.class, rawMemories);
        DocumentStore documents = guard.guard(DocumentStore.class, rawDocuments);
        KnowledgeVersions versions = guard.guard(KnowledgeVersions.class, new InMemoryKnowledgeVersions());
        UserQuotas quotas = guard.guard(UserQuotas.class, new InMemoryUserQuotas());
        registry = new ConnectionRegistry(connections, clock, 7_200);

        // the message function (MessageHandler): ingress with the memory command, knowledge actions and limits
        ModelChoice choice = new ModelChoice(model, "marker-echo", false);
        ModelListing listing = new ModelListing(List.of(new ServerEvent.ModelInfo(choice.id(),
                choice.provider(), choice.name(), false)), choice.id());
        var knowledge = new UserKnowledgeActions(memories, documents, versions, queue, clock);
        var limits = new TurnLimits(quotas, TurnLimits.DEFAULT_TURNS_PER_MINUTE, TurnLimits.DEFAULT_CONCURRENT_TURNS,
                TurnLimits.DEFAULT_TOKENS_PER_DAY);
        ingress = new ChatIngress(codec, sessions, messages, queue, ids, clock, listing,
                ChatIngress.defaultCommands(sessions, messages, listing, new MemoryCommand(knowledge)), knowledge,
                limits);

        // the worker (WorkerHandler.compose): user tier, jobs, tools and the runner
        ModelCatalog models = ModelCatalog.of(choice);
        var embedder = new HashingEmbedder();
        var cache = new UserKnowledgeCache(memories, documents, 100, Duration.ofHours(1));
        var context = new KnowledgeContextSource(new KnowledgeRetriever(embedder, cache), cache, versions, 100,
                Duration.ofHours(1));
        var tools = ToolRegistry.create(Set.of(BuiltinTools.SAVE_NOTE, BuiltinTools.LIST_NOTES),
                Set.of(BuiltinTools.SAVE_NOTE), List.of(), clock, guard.guard(NoteStore.class, rawNotes));
        var jobs = new UserDataJobs(messages, sessions, memories, documents, versions, cache, embedder, models, queue,
                connections, gateway, codec, clock, limits);
        var runner = new TurnRunner(messages, sessions, connections, gateway,
                new AgentFactory(models, AgentFactory.DEFAULT_SYSTEM_PROMPT, tools, context), codec, clock,
                new TurnSettings(20, 100, 256, MAX_RECEIVES, 50, 3), jobs.afterAnswer(), Metrics.NONE, limits,
                guard.guard(TurnStanding.class, new InMemoryTurnStanding(quotas, versions)));
        batch = new TurnBatch(runner, json, jobs);
    }

    // ------------------------------------------------------------------ the invariant

    /** Fails when the last step broke isolation (the chain's invariant, checked after every step). */
    void assertIsolated() {
        if (!problems.isEmpty()) {
            List<String> found = List.copyOf(problems);
            problems.clear();
            throw new AssertionError("step " + steps + " of the chain (" + lastStep + ") broke isolation:\n  "
                    + String.join("\n  ", found));
        }
    }

    // ------------------------------------------------------------------ preconditions and random choices

    boolean canConnect() {
        return users.values().stream().anyMatch(User::canConnect);
    }

    boolean anyConnected() {
        return users.values().stream().anyMatch(User::connected);
    }

    boolean anyConnectedWithSession() {
        return users.values().stream().anyMatch(User::connectedWithSession);
    }

    boolean anyRetry() {
        return users.values().stream().anyMatch(User::canRetry);
    }

    boolean anyApproval() {
        return users.values().stream().anyMatch(User::canDecide);
    }

    boolean anyCrossUser() {
        return users.values().stream().anyMatch(this::hasTargets);
    }

    boolean anyPending() {
        return !pending.isEmpty();
    }

    boolean anyDelivered() {
        return !delivered.isEmpty();
    }

    private static <T> T pick(List<T> list, SplittableRandom r) {
        return list.get(r.nextInt(list.size()));
    }

    /** One of the users that satisfy {@code p} (the action's precondition guarantees there is one). */
    private User user(SplittableRandom r, Predicate<User> p) {
        return pick(users.values().stream().filter(p).toList(), r);
    }

    private User connected(SplittableRandom r) {
        return user(r, User::connected);
    }

    private static String words(SplittableRandom r, int count) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < count; i++) {
            b.append(' ').append(pick(WORDS, r));
        }
        return b.toString();
    }

    /** A message: the user's marker, three words and sometimes a keyword that steers the model. */
    private static String text(User u, SplittableRandom r) {
        int k = r.nextInt(100);
        String keyword = k < 10 ? MarkerEchoModel.SAVE : k < 20 ? MarkerEchoModel.RECALL
                : k < 35 ? MarkerEchoModel.REMEMBER : k < 38 ? MarkerEchoModel.BROKEN : "";
        return (u.marker + words(r, 3) + " " + keyword).strip();
    }

    // ------------------------------------------------------------------ connections

    void connect(SplittableRandom r) {
        User u = user(r, User::canConnect);
        String connectionId = "C" + (++counter);
        step("connect " + u.id + " " + connectionId, Set.of(u.id), () -> open(u, connectionId));
    }

    /** A clean close ($disconnect) or, half of the time, a dropped connection the gateway then answers 410 Gone for. */
    void disconnect(SplittableRandom r) {
        User u = connected(r);
        String connectionId = pick(u.connections, r);
        boolean clean = r.nextBoolean();
        step((clean ? "disconnect " : "drop ") + u.id + " " + connectionId, Set.of(u.id),
                () -> close(u, connectionId, clean));
    }

    /** Drops a connection, opens a new one and catches up on what was missed. */
    void reconnect(SplittableRandom r) {
        User u = connected(r);
        String old = pick(u.connections, r);
        String connectionId = "C" + (++counter);
        String sessionId = u.sessions.isEmpty() ? null : pick(u.sessions, r);
        step("reconnect " + u.id + " " + old + " -> " + connectionId, Set.of(u.id), () -> {
            close(u, old, false);
            open(u, connectionId);
            if (sessionId != null) {
                resume(u, connectionId, sessionId);
            }
        });
    }

    private void open(User u, String connectionId) {
        registry.open(u.id, connectionId, null);
        connectionOwner.put(connectionId, u.id);
        u.connections.add(connectionId);
    }

    private void close(User u, String connectionId, boolean clean) {
        if (clean) {
            registry.close(u.id, connectionId);
        } else {
            gateway.gone.add(connectionId);
        }
        u.connections.remove(connectionId);
    }

    /**
     * Catching up after a reconnect: the history, then {@code resume} of the session's last turn on the new
     * connection (a stored answer is replayed in the reply; for a running turn the worker streams the rest to it).
     */
    private void resume(User u, String connectionId, String sessionId) {
        handle(u, frame("getHistory", "sessionId", sessionId));
        List<String> turns = u.turns.getOrDefault(sessionId, List.of());
        if (!turns.isEmpty()) {
            handle(u, connectionId, frame("resume", "sessionId", sessionId, "turnId", turns.getLast()));
        }
    }

    // ------------------------------------------------------------------ client actions of one user

    /** A session with a server-made id, an id of the user's own, or one of a few ids every user may choose. */
    void createSession(SplittableRandom r) {
        User u = connected(r);
        int k = r.nextInt(10);
        String sessionId = k < 4 ? null : k < 7 ? "s-" + u.id + "-" + (++counter)
                : "s-shared-" + r.nextInt(SHARED_SESSION_IDS);
        String policy = r.nextInt(4) == 0 ? null : pick(BUSY_POLICIES, r);
        step("createSession " + u.id + " " + sessionId, Set.of(u.id), () -> handle(u, frame("createSession",
                "sessionId", sessionId, "title", u.marker + " chat", "busyPolicy", policy)));
    }

    void updateSession(SplittableRandom r) {
        User u = user(r, User::connectedWithSession);
        String sessionId = pick(u.sessions, r);
        String title = u.marker + words(r, 2);
        String policy = pick(BUSY_POLICIES, r);
        step("updateSession " + u.id + " " + sessionId, Set.of(u.id), () -> handle(u, frame("updateSession",
                "sessionId", sessionId, "title", title, "busyPolicy", policy)));
    }

    /** A message to one of the user's sessions or to a new one; some message ids are ones every user also uses. */
    void send(SplittableRandom r) {
        User u = connected(r);
        String sessionId = u.sessions.isEmpty() || r.nextInt(4) == 0 ? null : pick(u.sessions, r);
        String clientMessageId = r.nextInt(4) == 0 ? "m-shared-" + r.nextInt(SHARED_MESSAGE_IDS)
                : "m-" + (++counter);
        String body = frame("sendMessage", "clientMessageId", clientMessageId, "sessionId", sessionId,
                "text", text(u, r));
        step("send " + u.id + " " + sessionId + " " + clientMessageId, Set.of(u.id), () -> {
            u.lastSend = body;
            handle(u, body);
        });
    }

    /** The user's last message again, as a client retries after a lost acknowledgement. */
    void retry(SplittableRandom r) {
        User u = user(r, User::canRetry);
        step("retry " + u.id, Set.of(u.id), () -> handle(u, u.lastSend));
    }

    /** {@code /memory}, {@code /memory forget <id>} or {@code /reset} in one of the user's sessions. */
    void slash(SplittableRandom r) {
        User u = connected(r);
        String sessionId = u.sessions.isEmpty() ? null : pick(u.sessions, r);
        int k = r.nextInt(3);
        String command = k == 1 && !u.memories.isEmpty() ? "/memory forget " + pick(u.memories, r)
                : k == 2 && sessionId != null ? "/reset" : "/memory";
        step("slash " + u.id + " " + command, Set.of(u.id), () -> handle(u, frame("sendMessage",
                "clientMessageId", "m-" + (++counter), "sessionId", sessionId, "text", command)));
    }

    void cancel(SplittableRandom r) {
        User u = user(r, User::connectedWithSession);
        String sessionId = pick(u.sessions, r);
        List<String> turns = u.turns.getOrDefault(sessionId, List.of());
        String turnId = turns.isEmpty() || r.nextBoolean() ? null : pick(turns, r);
        step("cancel " + u.id + " " + sessionId + " " + turnId, Set.of(u.id), () -> handle(u, frame("cancel",
                "sessionId", sessionId, "turnId", turnId)));
    }

    void deleteSession(SplittableRandom r) {
        User u = user(r, User::connectedWithSession);
        String sessionId = pick(u.sessions, r);
        step("deleteSession " + u.id + " " + sessionId, Set.of(u.id), () -> handle(u, frame("deleteSession",
                "sessionId", sessionId)));
    }

    void history(SplittableRandom r) {
        User u = user(r, User::connectedWithSession);
        String sessionId = pick(u.sessions, r);
        String limit = Integer.toString(1 + r.nextInt(30));
        step("getHistory " + u.id + " " + sessionId, Set.of(u.id), () -> handle(u, frame("getHistory",
                "sessionId", sessionId, "limit", limit)));
    }

    /** exportSession of one of the user's sessions, markdown or JSON, following every cursor. */
    void export(SplittableRandom r) {
        User u = user(r, User::connectedWithSession);
        String sessionId = pick(u.sessions, r);
        String format = r.nextBoolean() ? "markdown" : "json";
        step("exportSession " + u.id + " " + sessionId + " " + format, Set.of(u.id), () -> {
            String cursor = null;
            int parts = 0;
            do {
                ServerEvent reply = handle(u, frame("exportSession", "sessionId", sessionId, "format", format,
                        "cursor", cursor));
                cursor = reply instanceof ServerEvent.Export e ? e.nextCursor() : null;
            } while (cursor != null && ++parts < 20);
        });
    }

    /**
     * searchMessages for words every user's messages hold (so the window of each user has hits of all users' kind),
     * or the user's own marker; then the next page when there is one.
     */
    void search(SplittableRandom r) {
        User u = connected(r);
        String query = r.nextInt(4) == 0 ? u.marker : pick(WORDS, r) + (r.nextBoolean() ? "" : " " + pick(WORDS, r));
        String limit = Integer.toString(1 + r.nextInt(5));
        step("searchMessages " + u.id + " " + query, Set.of(u.id), () -> {
            ServerEvent reply = handle(u, frame("searchMessages", "query", query, "limit", limit));
            if (reply instanceof ServerEvent.SearchResults s && !s.results().isEmpty()) {
                totals.event("search hits"); // their excerpts were checked for other users' markers in handle
            }
            if (reply instanceof ServerEvent.SearchResults s && s.nextCursor() != null) {
                handle(u, frame("searchMessages", "query", query, "limit", limit, "cursor", s.nextCursor()));
            }
        });
    }

    void listSessions(SplittableRandom r) {
        User u = connected(r);
        step("listSessions " + u.id, Set.of(u.id), () -> handle(u, frame("listSessions", "limit", "100")));
    }

    /** Approves (three times in four) or denies a tool call the user was asked about. */
    void decide(SplittableRandom r) {
        User u = user(r, User::canDecide);
        Approval a = pick(u.approvals, r);
        String action = r.nextInt(4) == 0 ? "denyTool" : "approveTool";
        step(action + " " + u.id + " " + a, Set.of(u.id), () -> {
            u.approvals.remove(a);
            handle(u, frame(action, "sessionId", a.sessionId(), "turnId", a.turnId(), "toolCallId",
                    a.toolCallId()));
        });
    }

    /** listMemories, or deleteMemory of one of the user's memories. */
    void memories(SplittableRandom r) {
        User u = connected(r);
        if (u.memories.isEmpty() || r.nextBoolean()) {
            step("listMemories " + u.id, Set.of(u.id), () -> handle(u, frame("listMemories")));
        } else {
            String memoryId = pick(u.memories, r);
            step("deleteMemory " + u.id + " " + memoryId, Set.of(u.id), () -> handle(u, frame("deleteMemory",
                    "memoryId", memoryId)));
        }
    }

    /** addDocument, listDocuments, or deleteDocument of one of the user's documents. */
    void documents(SplittableRandom r) {
        User u = connected(r);
        int k = r.nextInt(3);
        if (k == 0 || (k == 2 && u.documents.isEmpty())) {
            String text = u.marker + words(r, 12 + r.nextInt(40));
            step("addDocument " + u.id, Set.of(u.id), () -> handle(u, frame("addDocument", "title",
                    u.marker + " notes", "text", text)));
        } else if (k == 1) {
            step("listDocuments " + u.id, Set.of(u.id), () -> handle(u, frame("listDocuments")));
        } else {
            String documentId = pick(u.documents, r);
            step("deleteDocument " + u.id + " " + documentId, Set.of(u.id), () -> handle(u,
                    frame("deleteDocument", "documentId", documentId)));
        }
    }

    // ------------------------------------------------------------------ another user's ids

    /** An attempt on another user's object: a frame kind, the object's id, and a turn and tool call where needed. */
    private record Attempt(String kind, String id, String turnId, String toolCallId) {}

    /**
     * The acting user names another user's session, turn, tool call, document or memory; the reply must be exactly
     * the reply to the same frame with never issued ids, and the other user's data must be unchanged.
     */
    void crossUser(SplittableRandom r) {
        User u = user(r, this::hasTargets);
        User target = pick(users.values().stream().filter(o -> o != u && !attempts(u, o).isEmpty()).toList(), r);
        Attempt a = pick(attempts(u, target), r);
        String id = a.id();
        String turnId = a.turnId() != null ? a.turnId() : ids.newTurnId(now.get());
        String body = switch (a.kind()) {
            case "getHistory", "deleteSession" -> frame(a.kind(), "sessionId", id);
            case "updateSession" -> frame(a.kind(), "sessionId", id, "title", u.marker);
            case "cancel", "resume", "regenerate" -> frame(a.kind(), "sessionId", id, "turnId", turnId);
            case "editMessage" -> frame(a.kind(), "sessionId", id, "turnId", turnId, "clientMessageId",
                    "m-" + (++counter), "text", text(u, r));
            case "rateMessage" -> frame(a.kind(), "sessionId", id, "turnId", turnId, "rating", "down", "comment",
                    u.marker);
            case "exportSession" -> frame(a.kind(), "sessionId", id, "format", "json");
            case "sendMessage" -> frame(a.kind(), "clientMessageId", "m-" + (++counter), "sessionId", id,
                    "text", text(u, r));
            case "/reset" -> frame("sendMessage", "clientMessageId", "m-" + (++counter), "sessionId", id,
                    "text", "/reset");
            case "approveTool", "denyTool" -> frame(a.kind(), "sessionId", id, "turnId", turnId,
                    "toolCallId", a.toolCallId());
            case "deleteDocument" -> frame(a.kind(), "documentId", id);
            case "deleteMemory" -> frame(a.kind(), "memoryId", id);
            case "/memory forget" -> frame("sendMessage", "clientMessageId", "m-" + (++counter), "text",
                    "/memory forget " + id);
            default -> throw new IllegalStateException(a.kind());
        };
        String missingId = (id.startsWith("s-") ? "s-never-" : "x-never-") + (++counter);
        String missingTurn = ids.newTurnId(now.get());
        String missing = body.replace(turnId, missingTurn).replace(id, missingId);
        step("crossUser " + u.id + " " + a + " of " + target.id, Set.of(u.id), () -> {
            totals.crossUser++;
            String before = snapshot(target.id);
            String toForeign = codec.write(handle(u, body));
            String toMissing = codec.write(handle(u, missing)).replace(missingId, id).replace(missingTurn, turnId);
            if (!toForeign.equals(toMissing)) {
                problems.add("another user's ids got " + toForeign + " but never issued ids got " + toMissing);
            }
            if (!before.equals(snapshot(target.id))) {
                problems.add(u.id + "'s " + a.kind() + " changed the data of " + target.id);
            }
        });
    }

    /** Whether {@code u} is connected and knows of another user's ids to try. */
    private boolean hasTargets(User u) {
        return u.connected() && users.values().stream().anyMatch(o -> o != u && !attempts(u, o).isEmpty());
    }

    /** The attempts {@code u} can make on {@code target}'s objects (not on session ids {@code u} also uses). */
    private List<Attempt> attempts(User u, User target) {
        List<Attempt> out = new ArrayList<>();
        for (String s : target.sessions) {
            if (!owners.getOrDefault(s, Set.of()).contains(u.id)) {
                List<String> turns = target.turns.getOrDefault(s, List.of());
                String turnId = turns.isEmpty() ? null : turns.get(turns.size() - 1);
                for (String kind : List.of("getHistory", "deleteSession", "updateSession", "cancel", "sendMessage",
                        "/reset", "approveTool", "resume", "regenerate", "editMessage", "rateMessage",
                        "exportSession")) {
                    out.add(new Attempt(kind, s, turnId, "call-1"));
                }
            }
        }
        target.approvals.stream().filter(p -> !owners.getOrDefault(p.sessionId(), Set.of()).contains(u.id))
                .forEach(p -> out.add(new Attempt("denyTool", p.sessionId(), p.turnId(), p.toolCallId())));
        target.documents.forEach(d -> out.add(new Attempt("deleteDocument", d, null, null)));
        for (String m : target.memories) {
            out.add(new Attempt("deleteMemory", m, null, null));
            out.add(new Attempt("/memory forget", m, null, null));
        }
        return out;
    }

    /** Everything stored for {@code userId}, read from the fakes directly (not through the guard). */
    private String snapshot(String userId) {
        return rawSessions.list(userId, 1_000, null).items() + "|"
                + rawMessages.all().stream().filter(m -> m.userId().equals(userId)).toList() + "|"
                + rawMemories.list(userId) + "|" + rawDocuments.listDocuments(userId) + "|" + rawNotes.list(userId);
    }

    // ------------------------------------------------------------------ the queue

    /** Delivers the head of one FIFO group. */
    void deliver(SplittableRandom r) {
        Queued head = head(pick(pending, r).turn().groupId());
        step("deliver " + describe(head), Set.of(head.turn().userId()), () -> process(List.of(head)));
    }

    /** Delivers the heads of two or three groups (often of different users) in one batch; they run in parallel. */
    void deliverBatch(SplittableRandom r) {
        Map<String, Queued> heads = new LinkedHashMap<>();
        int wanted = 2 + r.nextInt(2);
        for (int i = 0; i < 2 * pending.size() && heads.size() < wanted; i++) {
            String group = pick(pending, r).turn().groupId();
            heads.putIfAbsent(group, head(group));
        }
        List<Queued> records = List.copyOf(heads.values());
        Set<String> acting = new LinkedHashSet<>();
        records.forEach(q -> acting.add(q.turn().userId()));
        step("deliverBatch " + records.stream().map(IsolationWorld::describe).toList(), acting,
                () -> process(records));
    }

    /** Delivers a record again that was delivered before (SQS delivers at least once), maybe long after. */
    void redeliver(SplittableRandom r) {
        Queued again = pick(delivered, r).again();
        step("redeliver " + describe(again), Set.of(again.turn().userId()), () -> process(List.of(again)));
    }

    private Queued head(String groupId) {
        return pending.stream().filter(q -> q.turn().groupId().equals(groupId)).findFirst().orElseThrow();
    }

    private static String describe(Queued q) {
        TurnRequest t = q.turn();
        return (t.kind() == null ? "turn" : t.kind()) + " of " + t.userId() + " " + t.sessionId() + " " + t.turnId()
                + " (receive " + q.receiveCount() + ")";
    }

    /** Runs records as one SQS batch; a failed one goes back to the head of its group, or after its last receive to the DLQ. */
    private void process(List<Queued> records) {
        pending.removeAll(records);
        List<String> failed = batch.process(records.stream().map(q -> new TurnBatch.QueuedTurn(q.messageId(),
                q.turn().groupId(), q.body(), q.receiveCount())).toList(), () -> REMAINING_MILLIS);
        for (Queued q : records) {
            if (!failed.contains(q.messageId())) {
                delivered.add(q);
                if (delivered.size() > REDELIVERABLE) {
                    delivered.remove(0);
                }
            } else if (q.receiveCount() < MAX_RECEIVES) {
                int at = 0;
                while (at < pending.size() && !pending.get(at).turn().groupId().equals(q.turn().groupId())) {
                    at++;
                }
                pending.add(at, q.again());
            } else {
                totals.deadLettered++;
            }
        }
    }

    // ------------------------------------------------------------------ one step and its checks

    private void step(String description, Set<String> acting, Runnable body) {
        totals.steps++;
        steps++;
        lastStep = description;
        now.addAndGet(250);
        guard.clearViolations();
        guard.allow(acting);
        int frames = gateway.frames.size();
        int queued = queue.enqueued.size();
        try {
            body.run();
        } catch (RuntimeException e) {
            problems.add("unexpected exception: " + e);
        }
        checkFrames(frames, acting);
        checkPrompts(acting);
        checkQueued(queued, acting);
        problems.addAll(guard.violations());
        totals.leaked += problems.size();
    }

    /** One client frame through the message route, as MessageHandler runs it; the reply is checked and learnt. */
    private ServerEvent handle(User u, String body) {
        return handle(u, u.connections.isEmpty() ? null : u.connections.getLast(), body);
    }

    private ServerEvent handle(User u, String connectionId, String body) {
        ServerEvent reply = ingress.handle(u.id, connectionId, 0, body);
        totals.replies++;
        totals.event("reply:" + name(reply));
        String written = codec.write(reply);
        checkContent("reply", u.id, written, idsIn(body));
        if (!(reply instanceof ServerEvent.Error)) {
            idsIn(written).forEach(id -> owners.computeIfAbsent(id, k -> new HashSet<>()).add(u.id));
        }
        learn(u, reply);
        return reply;
    }

    /** An event's type, and an error's code. */
    private static String name(ServerEvent event) {
        return event instanceof ServerEvent.Error e ? "Error " + e.code() : event.getClass().getSimpleName();
    }

    /** Ids and markers in {@code json} (a reply or frame to {@code userId}) must be that user's or ones it sent. */
    private void checkContent(String what, String userId, String json, Set<String> sent) {
        walk(tree(json), "", (field, value) -> {
            if (ID_FIELDS.contains(field) && !sent.contains(value)) {
                Set<String> known = owners.computeIfAbsent(value, k -> new HashSet<>(Set.of(userId)));
                if (!known.contains(userId)) {
                    problems.add(what + " to " + userId + " names " + field + " " + value + " of " + known);
                }
            }
            for (String other : Markers.usersIn(value)) {
                if (!other.equals(userId)) {
                    problems.add(what + " to " + userId + " carries a text of " + other + ": " + json);
                }
            }
        });
    }

    private void checkFrames(int from, Set<String> acting) {
        List<RecordingGateway.Frame> frames = gateway.frames;
        for (RecordingGateway.Frame f : frames.subList(from, frames.size())) {
            totals.frames++;
            String owner = connectionOwner.get(f.connectionId());
            if (owner == null || !acting.contains(owner)) {
                problems.add("frame to connection " + f.connectionId() + " of " + owner + " while acting for "
                        + acting);
                continue;
            }
            checkContent("frame", owner, f.json(), Set.of());
            ServerEvent event = codec.readEvent(f.json());
            totals.event(name(event));
            if (event instanceof ServerEvent.ApprovalRequired a) {
                Approval approval = new Approval(a.sessionId(), a.turnId(), a.toolCallId());
                if (!users.get(owner).approvals.contains(approval)) {
                    users.get(owner).approvals.add(approval);
                }
            }
        }
    }

    private void checkPrompts(Set<String> acting) {
        for (ChatRequest r : model.drain()) {
            totals.prompts++;
            String text = MarkerEchoModel.text(r);
            Set<String> in = Markers.usersIn(text);
            if (in.size() != 1 || !acting.containsAll(in)) {
                problems.add("a prompt carries the texts of " + in + " while acting for " + acting);
            }
            if (text.contains(KnowledgeRetriever.CONTEXT_PREAMBLE)) {
                totals.promptsWithKnowledge++;
            }
            if (r.messages().stream().anyMatch(ToolExecutionResultMessage.class::isInstance)) {
                totals.promptsWithToolResults++;
            }
        }
    }

    /** Records enqueued in the step: each for a user the step acts for, and becomes pending. */
    private void checkQueued(int from, Set<String> acting) {
        List<TurnRequest> enqueued = queue.enqueued;
        for (TurnRequest t : enqueued.subList(from, enqueued.size())) {
            if (!acting.contains(t.userId())) {
                problems.add("queued a record of " + t.userId() + " while acting for " + acting);
            }
            if (t.sessionId() != null && !owners.getOrDefault(t.sessionId(), Set.of(t.userId()))
                    .contains(t.userId())) {
                problems.add("queued a record of " + t.userId() + " for session " + t.sessionId() + " of "
                        + owners.get(t.sessionId()));
            }
            try {
                pending.add(new Queued("q-" + (++counter), t, json.writeValueAsString(t), 1));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** What the user learns from a reply: its sessions, turns, memories and documents. */
    private void learn(User u, ServerEvent reply) {
        switch (reply) {
            case ServerEvent.SessionInfo s -> addSession(u, s.session().sessionId());
            case ServerEvent.Accepted a -> {
                addSession(u, a.sessionId());
                List<String> turns = u.turns.computeIfAbsent(a.sessionId(), k -> new ArrayList<>());
                if (!turns.contains(a.turnId())) {
                    turns.add(a.turnId());
                }
            }
            case ServerEvent.SessionDeleted d -> {
                u.sessions.remove(d.sessionId());
                u.turns.remove(d.sessionId());
                u.approvals.removeIf(a -> a.sessionId().equals(d.sessionId()));
            }
            case ServerEvent.Sessions s when s.nextCursor() == null -> {
                u.sessions.clear();
                s.sessions().forEach(x -> u.sessions.add(x.sessionId()));
            }
            case ServerEvent.Memories m -> {
                u.memories.clear();
                m.memories().forEach(x -> u.memories.add(x.memoryId()));
            }
            case ServerEvent.MemoryDeleted m -> u.memories.remove(m.memoryId());
            case ServerEvent.DocumentAdded d -> u.documents.add(d.document().documentId());
            case ServerEvent.Documents d -> {
                u.documents.clear();
                d.documents().forEach(x -> u.documents.add(x.documentId()));
            }
            case ServerEvent.DocumentDeleted d -> u.documents.remove(d.documentId());
            default -> { }
        }
    }

    private static void addSession(User u, String sessionId) {
        if (!u.sessions.contains(sessionId)) {
            u.sessions.add(sessionId);
        }
    }

    // ------------------------------------------------------------------ JSON helpers

    /** A client frame from alternating field names and values; null values are left out. */
    private String frame(String action, String... fields) {
        ObjectNode node = json.createObjectNode().put("action", action);
        for (int i = 0; i < fields.length; i += 2) {
            if (fields[i + 1] != null) {
                if (fields[i].equals("limit")) {
                    node.put("limit", Integer.parseInt(fields[i + 1]));
                } else {
                    node.put(fields[i], fields[i + 1]);
                }
            }
        }
        return node.toString();
    }

    /** The values of the id fields of a JSON text. */
    private Set<String> idsIn(String text) {
        Set<String> found = new HashSet<>();
        walk(tree(text), "", (field, value) -> {
            if (ID_FIELDS.contains(field)) {
                found.add(value);
            }
        });
        return found;
    }

    private JsonNode tree(String text) {
        try {
            return json.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every text value in the tree with the name of the field holding it (array items: the array's name). */
    private static void walk(JsonNode node, String field, BiConsumer<String, String> visit) {
        if (node.isObject()) {
            node.properties().forEach(e -> walk(e.getValue(), e.getKey(), visit));
        } else if (node.isArray()) {
            node.forEach(item -> walk(item, field, visit));
        } else if (node.isTextual()) {
            visit.accept(field, node.asText());
        }
    }
}
