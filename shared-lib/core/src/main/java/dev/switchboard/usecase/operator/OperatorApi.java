package dev.switchboard.usecase.operator;

import dev.switchboard.domain.Connection;
import dev.switchboard.domain.Page;
import dev.switchboard.domain.Session;
import dev.switchboard.port.DocumentStore;
import dev.switchboard.domain.KnowledgeDocument;
import dev.switchboard.port.KnowledgeVersions;
import dev.switchboard.port.UserPartition;
import dev.switchboard.port.MemoryStore;
import dev.switchboard.port.Census;
import dev.switchboard.port.Clock;
import dev.switchboard.port.ConnectionCloser;
import dev.switchboard.port.ConnectionStore;
import dev.switchboard.port.DependencyCheck;
import dev.switchboard.port.MessageStore;
import dev.switchboard.port.QueueMonitor;
import dev.switchboard.port.SessionStore;
import dev.switchboard.port.UsageCounters;
import dev.switchboard.domain.Note;
import dev.switchboard.port.NoteStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator API's use case: health of the dependencies, system-wide figures, and per-user administration (list a
 * user's sessions, end a user's connections, delete everything a user owns). Callers have checked that the caller is
 * an operator ({@link OperatorAccess}); nothing here is reachable from the WebSocket API.
 */
public final class OperatorApi {
    private static final Logger LOG = LoggerFactory.getLogger(OperatorApi.class);
    /** The user ids a token can carry (as {@link dev.switchboard.auth.TokenVerifier} accepts them). */
    private static final Pattern USER_ID = Pattern.compile("[A-Za-z0-9._@:+\\-]{1,128}");
    public static final int MAX_SESSIONS_PAGE = 100;
    public static final int DEFAULT_STATS_MINUTES = 15;
    public static final int MAX_STATS_MINUTES = 1440;
    static final Duration CHECK_TIMEOUT = Duration.ofSeconds(3);
    static final Duration STATS_TIMEOUT = Duration.ofSeconds(20);

    /** The stores of everything a user owns; {@code partition} sweeps what the others leave in the user data. */
    public record UserStores(ConnectionStore connections, SessionStore sessions, MessageStore messages,
                             MemoryStore memories, DocumentStore documents, NoteStore notes,
                             KnowledgeVersions versions, UserPartition partition) {}

    /** Where the figures come from; {@code dependencies} are probed besides the two queues. */
    public record Monitoring(Census census, QueueMonitor queues, UsageCounters usage,
                             List<DependencyCheck> dependencies) {}

    // ---- results ----

    public record Check(String name, String kind, boolean up, long millis, String detail) {}

    public record Health(boolean up, List<Check> checks) {}

    /**
     * Counters of the window: totals, rates per minute, the user-cache figures (null when no worker reported any),
     * errors by code and the minutes that have values.
     */
    public record Usage(int windowMinutes, long turns, long tokensIn, long tokensOut, double turnsPerMinute,
                        double tokensPerMinute, long cacheHits, long cacheMisses, Double cacheHitRate,
                        Long cacheSizeMax, Map<String, Long> errors, List<UsageCounters.Minute> minutes,
                        List<RatingCount> ratings) {}

    /** The answers of {@code model} rated up and down on a UTC {@code day} (yyyy-MM-dd) within the window (net). */
    public record RatingCount(String day, String model, long up, long down) {}

    /** Null parts could not be read; their names are in {@code unavailable}. */
    public record Stats(long atMillis, Long openConnections, Census.Sessions sessions, QueueMonitor.Depth turnsQueue,
                        QueueMonitor.Depth deadLetterQueue, QueueMonitor.Depth userDataQueue,
                        QueueMonitor.Depth userDataDeadLetterQueue, Usage usage, List<String> unavailable) {}

    /** @param found connections the table listed; each was closed, already gone, or failed (and is kept) */
    public record ConnectionsEnded(int found, int closed, int gone, int failed) {}

    /** @param otherItems the items of the user's data that no kind above counts (quota counters, versions, ...) */
    public record DeletionReport(String userId, ConnectionsEnded connections, int sessions, int messages, int memories,
                                 int documents, int notes, int otherItems) {}

    private final UserStores stores;
    private final ConnectionCloser closer;
    private final Monitoring monitoring;
    private final Clock clock;

    public OperatorApi(UserStores stores, ConnectionCloser closer, Monitoring monitoring, Clock clock) {
        this.stores = stores;
        this.closer = closer;
        this.monitoring = monitoring;
        this.clock = clock;
    }

    /** @throws IllegalArgumentException when {@code userId} is not one a token could carry */
    public static String checkUserId(String userId) {
        if (userId == null || !USER_ID.matcher(userId).matches()) {
            throw new IllegalArgumentException("not a valid user id");
        }
        return userId;
    }

    // ---- health ----

    /** Probes every dependency at once, each bounded by {@link #CHECK_TIMEOUT}. */
    public Health health() {
        List<DependencyCheck> checks = new ArrayList<>(monitoring.dependencies());
        checks.add(queueCheck("TurnsQueue", QueueMonitor.Queue.TURNS));
        checks.add(queueCheck("TurnsDeadLetterQueue", QueueMonitor.Queue.DEAD_LETTERS));
        checks.add(queueCheck("UserDataQueue", QueueMonitor.Queue.USER_DATA));
        checks.add(queueCheck("UserDataDeadLetterQueue", QueueMonitor.Queue.USER_DATA_DEAD_LETTERS));
        List<Check> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<String>> futures = new ArrayList<>();
            long[] started = new long[checks.size()];
            for (int i = 0; i < checks.size(); i++) {
                DependencyCheck c = checks.get(i);
                started[i] = System.nanoTime();
                futures.add(pool.submit(c::probe));
            }
            for (int i = 0; i < checks.size(); i++) {
                DependencyCheck c = checks.get(i);
                long remaining = CHECK_TIMEOUT.toNanos() - (System.nanoTime() - started[i]);
                boolean up;
                String detail;
                try {
                    detail = futures.get(i).get(Math.max(remaining, 0), TimeUnit.NANOSECONDS);
                    up = true;
                } catch (TimeoutException e) {
                    futures.get(i).cancel(true);
                    up = false;
                    detail = "no answer within " + CHECK_TIMEOUT.toMillis() + " ms";
                } catch (ExecutionException e) {
                    up = false;
                    detail = describe(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    up = false;
                    detail = "interrupted";
                }
                results.add(new Check(c.name(), c.kind(), up, (System.nanoTime() - started[i]) / 1_000_000, detail));
            }
            pool.shutdownNow();
        }
        return new Health(results.stream().allMatch(Check::up), results);
    }

    private DependencyCheck queueCheck(String name, QueueMonitor.Queue queue) {
        return DependencyCheck.of(name, "queue", () -> {
            QueueMonitor.Depth d = monitoring.queues().depth(queue);
            return "reachable, " + d.visible() + " visible";
        });
    }

    private static String describe(Throwable t) {
        String message = t.getMessage() == null ? "" : ": " + t.getMessage();
        String s = t.getClass().getSimpleName() + message;
        return s.length() > 200 ? s.substring(0, 200) : s;
    }

    // ---- stats ----

    /** System-wide figures; the counters cover the last {@code minutes} minutes, the current one included. */
    public Stats stats(int minutes) {
        if (minutes < 1 || minutes > MAX_STATS_MINUTES) {
            throw new IllegalArgumentException("minutes must be 1-" + MAX_STATS_MINUTES);
        }
        long now = clock.millis();
        long toMinute = now / 60_000;
        List<String> unavailable = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Long> connections = pool.submit(() -> monitoring.census().openConnections(now));
            Future<Census.Sessions> sessions = pool.submit(() -> monitoring.census().sessions());
            Future<QueueMonitor.Depth> turns = pool.submit(() -> monitoring.queues().depth(QueueMonitor.Queue.TURNS));
            Future<QueueMonitor.Depth> dlq =
                    pool.submit(() -> monitoring.queues().depth(QueueMonitor.Queue.DEAD_LETTERS));
            Future<QueueMonitor.Depth> userData =
                    pool.submit(() -> monitoring.queues().depth(QueueMonitor.Queue.USER_DATA));
            Future<QueueMonitor.Depth> userDataDlq =
                    pool.submit(() -> monitoring.queues().depth(QueueMonitor.Queue.USER_DATA_DEAD_LETTERS));
            Future<List<UsageCounters.Minute>> usage =
                    pool.submit(() -> monitoring.usage().read(toMinute - minutes + 1, toMinute));
            long deadline = System.nanoTime() + STATS_TIMEOUT.toNanos();
            Stats stats = new Stats(now,
                    part("connections", connections, deadline, unavailable),
                    part("sessions", sessions, deadline, unavailable),
                    part("turnsQueue", turns, deadline, unavailable),
                    part("deadLetterQueue", dlq, deadline, unavailable),
                    part("userDataQueue", userData, deadline, unavailable),
                    part("userDataDeadLetterQueue", userDataDlq, deadline, unavailable),
                    usageOf(minutes, part("usage", usage, deadline, unavailable)),
                    List.copyOf(unavailable));
            pool.shutdownNow();
            return stats;
        }
    }

    private static <T> T part(String name, Future<T> f, long deadline, List<String> unavailable) {
        try {
            return f.get(Math.max(deadline - System.nanoTime(), 0), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            LOG.warn("stats part {} unavailable: {}", name, cause.getClass().getSimpleName());
        }
        f.cancel(true);
        unavailable.add(name);
        return null;
    }

    static Usage usageOf(int window, List<UsageCounters.Minute> minutes) {
        if (minutes == null) {
            return null;
        }
        long turns = 0;
        long in = 0;
        long out = 0;
        long hits = 0;
        long misses = 0;
        Long size = null;
        Map<String, Long> errors = new TreeMap<>();
        for (UsageCounters.Minute m : minutes) {
            turns += m.get(UsageCounters.TURNS);
            in += m.get(UsageCounters.TOKENS_IN);
            out += m.get(UsageCounters.TOKENS_OUT);
            hits += m.get(UsageCounters.CACHE_HITS);
            misses += m.get(UsageCounters.CACHE_MISSES);
            if (m.values().containsKey(UsageCounters.CACHE_SIZE)) {
                size = Math.max(size == null ? 0 : size, m.get(UsageCounters.CACHE_SIZE));
            }
            m.values().forEach((name, v) -> {
                if (name.startsWith(UsageCounters.ERROR_PREFIX)) {
                    errors.merge(name.substring(UsageCounters.ERROR_PREFIX.length()), v, Long::sum);
                }
            });
        }
        Double hitRate = hits + misses == 0 ? null : (double) hits / (hits + misses);
        return new Usage(window, turns, in, out, (double) turns / window, (double) (in + out) / window, hits, misses,
                hitRate, size, errors, minutes, ratingsOf(minutes));
    }

    /** The {@code rating.<up|down>.<model>} counters summed per UTC day and model, by day then model. */
    public static List<RatingCount> ratingsOf(List<UsageCounters.Minute> minutes) {
        Map<String, long[]> byDayAndModel = new TreeMap<>();
        for (UsageCounters.Minute m : minutes) {
            String day = java.time.Instant.ofEpochSecond(m.minute() * 60).toString().substring(0, 10);
            m.values().forEach((name, v) -> {
                if (name.startsWith(UsageCounters.RATING_PREFIX)) {
                    String rest = name.substring(UsageCounters.RATING_PREFIX.length());
                    int dot = rest.indexOf('.');
                    if (dot > 0) {
                        long[] counts = byDayAndModel.computeIfAbsent(day + "\u0000" + rest.substring(dot + 1),
                                k -> new long[2]);
                        counts[rest.startsWith("up.") ? 0 : 1] += v;
                    }
                }
            });
        }
        List<RatingCount> out = new ArrayList<>();
        byDayAndModel.forEach((key, counts) -> {
            int split = key.indexOf('\u0000');
            out.add(new RatingCount(key.substring(0, split), key.substring(split + 1), counts[0], counts[1]));
        });
        return out;
    }

    // ---- per user ----

    public Page<Session> sessions(String userId, int limit, String cursor) {
        checkUserId(userId);
        if (limit < 1 || limit > MAX_SESSIONS_PAGE) {
            throw new IllegalArgumentException("limit must be 1-" + MAX_SESSIONS_PAGE);
        }
        return stores.sessions().list(userId, limit, cursor);
    }

    /**
     * Closes every open connection of the user through the gateway and removes its row (a closed connection's
     * $disconnect removes it too); a connection the gateway failed to close keeps its row. The user can connect again with a valid token: revoke it at the identity provider to
     * keep them out.
     */
    public ConnectionsEnded endConnections(String userId) {
        checkUserId(userId);
        List<Connection> open = stores.connections().listByUser(userId);
        int closed = 0;
        int gone = 0;
        int failed = 0;
        for (Connection c : open) {
            switch (closer.close(c.connectionId())) {
                case CLOSED -> closed++;
                case GONE -> gone++;
                case FAILED -> {
                    failed++;
                    continue; // still open: its row stays, so a retry finds it
                }
            }
            stores.connections().delete(userId, c.connectionId());
        }
        return new ConnectionsEnded(open.size(), closed, gone, failed);
    }

    /**
     * Deletes everything the user owns: ends the connections, then every session with its messages and tool calls,
     * the memories, the knowledge-base documents with their chunks, and the notes; then sweeps the user's partition
     * of the user data (the knowledge version, the quota counters and any item of a kind not listed). A session is
     * deleted before its messages: a message stored by a send that raced the deletion either finds its session gone
     * when it marks it (and takes its items back) or is stored before the session goes, and so before the messages'
     * consistent query that deletes it. Repeating it is harmless (it reports zeros). No worker keeps a cached copy:
     * every change to memories or documents bumps the knowledge version, so a cached copy holds a version above 0,
     * and the swept version reads 0.
     */
    public DeletionReport deleteUser(String userId) {
        checkUserId(userId);
        ConnectionsEnded connections = endConnections(userId);
        List<String> sessionIds = new ArrayList<>();
        String cursor = null;
        do {
            Page<Session> page = stores.sessions().list(userId, MAX_SESSIONS_PAGE, cursor);
            page.items().forEach(s -> sessionIds.add(s.sessionId()));
            cursor = page.nextCursor();
        } while (cursor != null);
        int sessions = 0;
        int messages = 0;
        for (String sessionId : sessionIds) {
            if (stores.sessions().delete(userId, sessionId)) {
                sessions++;
            }
            messages += stores.messages().deleteSession(userId, sessionId);
        }
        int memories = stores.memories().deleteAll(userId);
        int documents = 0;
        for (KnowledgeDocument d : stores.documents().listDocuments(userId)) {
            if (stores.documents().deleteDocument(userId, d.documentId())) {
                documents++;
            }
        }
        int notes = 0;
        for (Note n : stores.notes().list(userId)) {
            if (stores.notes().delete(userId, n.noteId())) {
                notes++;
            }
        }
        int other = stores.partition().deleteAll(userId);
        return new DeletionReport(userId, connections, sessions, messages, memories, documents, notes, other);
    }

    /** For SnapStart priming: the read paths of one user, on a user id no token can carry. */
    public void prime(String nobody) {
        stores.sessions().list(nobody, 1, null);
        stores.connections().listByUser(nobody);
        usageOf(1, List.of());
    }
}
