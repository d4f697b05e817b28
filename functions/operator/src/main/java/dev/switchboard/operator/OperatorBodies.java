package dev.switchboard.operator;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.switchboard.domain.Page;
import dev.switchboard.domain.Session;
import dev.switchboard.port.Census;
import dev.switchboard.port.QueueMonitor;
import dev.switchboard.port.UsageCounters;
import dev.switchboard.runtime.ProcessFigures;
import dev.switchboard.usecase.operator.OperatorApi;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The JSON bodies of the operator API, as records Jackson writes field by field in declaration order:
 * {@link OperatorApi}'s results where their shape is the wire's ({@link OperatorApi.Check},
 * {@link OperatorApi.ConnectionsEnded}), else a record of the wire's shape built from them.
 */
final class OperatorBodies {
    private OperatorBodies() {}

    record ErrorBody(String error, String message) {}

    /** Liveness without a token. */
    record Status(String status) {}

    record Health(String status, String at, List<OperatorApi.Check> dependencies, Process process) {
        static Health of(OperatorApi.Health h, ProcessFigures.Snapshot p) {
            return new Health(h.up() ? "ok" : "degraded", Instant.now().toString(), h.checks(), Process.of(p));
        }
    }

    record Process(String start, boolean restored, long uptimeSeconds, long invocations, Heap heap, int processors,
                   String java) {
        static Process of(ProcessFigures.Snapshot p) {
            return new Process(p.start(), p.restored(), p.uptimeMillis() / 1000, p.invocations(),
                    new Heap(p.heapUsedBytes(), p.heapCommittedBytes(), p.heapMaxBytes()), p.processors(),
                    Runtime.version().toString());
        }
    }

    record Heap(long usedBytes, long committedBytes, long maxBytes) {}

    record Stats(String at, Open connections, SessionCounts sessions, Long turnsInFlight, TurnsQueue queue,
                 Depth deadLetterQueue, QueueDepths userDataQueue, Depth userDataDeadLetterQueue, UserCache userCache,
                 Usage usage, List<OperatorApi.RatingCount> ratings, List<String> unavailable) {
        static Stats of(OperatorApi.Stats s) {
            Census.Sessions sessions = s.sessions();
            QueueMonitor.Depth dlq = s.deadLetterQueue();
            QueueMonitor.Depth userData = s.userDataQueue();
            QueueMonitor.Depth userDataDlq = s.userDataDeadLetterQueue();
            OperatorApi.Usage u = s.usage();
            return new Stats(Instant.ofEpochMilli(s.atMillis()).toString(),
                    s.openConnections() == null ? null : new Open(s.openConnections()),
                    sessions == null ? null : new SessionCounts(sessions.total(), sessions.busy()),
                    sessions == null ? null : sessions.busy(),
                    TurnsQueue.of(s.turnsQueue(), sessions, s.atMillis()),
                    dlq == null ? null : new Depth(dlq.visible() + dlq.inFlight() + dlq.delayed()),
                    userData == null ? null : new QueueDepths(userData.visible(), userData.inFlight(), userData.delayed()),
                    userDataDlq == null ? null
                            : new Depth(userDataDlq.visible() + userDataDlq.inFlight() + userDataDlq.delayed()),
                    u == null ? null : UserCache.of(u), u == null ? null : Usage.of(u),
                    u == null ? null : u.ratings(), s.unavailable());
        }
    }

    record Open(long open) {}

    record SessionCounts(long total, long busy) {}

    /** The user-data queue's depths (memory and indexing jobs waiting, being run, delayed). */
    record QueueDepths(long depth, long inFlight, long delayed) {}

    /** The turns queue's depths (absent when it could not be read) and the age of the oldest pending turn. */
    record TurnsQueue(@JsonInclude(JsonInclude.Include.NON_NULL) Long depth,
                      @JsonInclude(JsonInclude.Include.NON_NULL) Long inFlight,
                      @JsonInclude(JsonInclude.Include.NON_NULL) Long delayed, Long oldestTurnAgeSeconds) {
        static TurnsQueue of(QueueMonitor.Depth d, Census.Sessions sessions, long atMillis) {
            Long age = sessions == null || sessions.oldestPendingTurnMillis() == null ? null
                    : Math.max(0, (atMillis - sessions.oldestPendingTurnMillis()) / 1000);
            return d == null ? new TurnsQueue(null, null, null, age)
                    : new TurnsQueue(d.visible(), d.inFlight(), d.delayed(), age);
        }
    }

    record Depth(long depth) {}

    record UserCache(long hits, long misses, Double hitRate, Long largestSize) {
        static UserCache of(OperatorApi.Usage u) {
            return new UserCache(u.cacheHits(), u.cacheMisses(),
                    u.cacheHitRate() == null ? null : round(u.cacheHitRate(), 3), u.cacheSizeMax());
        }
    }

    record Usage(int windowMinutes, long turns, long tokensIn, long tokensOut, double turnsPerMinute,
                 double tokensPerMinute, Map<String, Long> errors, List<Minute> perMinute) {
        static Usage of(OperatorApi.Usage u) {
            return new Usage(u.windowMinutes(), u.turns(), u.tokensIn(), u.tokensOut(), round(u.turnsPerMinute(), 2),
                    round(u.tokensPerMinute(), 2), u.errors(), u.minutes().stream().map(Minute::of).toList());
        }
    }

    /** One minute's counters: its start, then each counter by name (in name order). */
    record Minute(String minute, @JsonAnyGetter Map<String, Long> values) {
        static Minute of(UsageCounters.Minute m) {
            return new Minute(Instant.ofEpochSecond(m.minute() * 60).toString(), new TreeMap<>(m.values()));
        }
    }

    record Sessions(String userId, List<SessionRow> sessions, String nextCursor) {
        static Sessions of(String userId, Page<Session> page) {
            return new Sessions(userId, page.items().stream().map(SessionRow::of).toList(), page.nextCursor());
        }
    }

    record SessionRow(String sessionId, String title, long createdAt, long updatedAt, String model,
                      String busyPolicy, boolean busy, String lastTurnId) {
        static SessionRow of(Session s) {
            return new SessionRow(s.sessionId(), s.title(), s.createdAtMillis(), s.updatedAtMillis(), s.model(),
                    s.busyPolicy() == null ? null : s.busyPolicy().name().toLowerCase(Locale.ROOT), s.busy(),
                    s.lastTurnId());
        }
    }

    record ConnectionsEnded(String userId, @JsonUnwrapped OperatorApi.ConnectionsEnded ended) {}

    record Deletion(String userId, Deleted deleted, OperatorApi.ConnectionsEnded connections) {
        static Deletion of(OperatorApi.DeletionReport r) {
            return new Deletion(r.userId(), new Deleted(r.sessions(), r.messages(), r.memories(), r.documents(),
                    r.notes(), r.otherItems()), r.connections());
        }
    }

    /** @param otherItems the rest of the user's data: quota counters, the knowledge version */
    record Deleted(int sessions, int messages, int memories, int documents, int notes, int otherItems) {}

    private static double round(double v, int places) {
        double f = Math.pow(10, places);
        return Math.round(v * f) / f;
    }
}
