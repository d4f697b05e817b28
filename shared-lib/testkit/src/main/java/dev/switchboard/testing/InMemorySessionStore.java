package dev.switchboard.testing;

import dev.switchboard.domain.BusyPolicy;
import dev.switchboard.domain.Page;
import dev.switchboard.domain.ResumeRequest;
import dev.switchboard.domain.RunClaim;
import dev.switchboard.domain.Session;
import dev.switchboard.port.InvalidCursorException;
import dev.switchboard.port.SessionStore;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Test-only {@link SessionStore}: sorted by session id within a user, like the table's sort key. */
public class InMemorySessionStore implements SessionStore {
    private final Map<String, NavigableMap<String, Session>> byUser = new ConcurrentHashMap<>();
    /** The run claim and resume requests of a session, by user + "/" + session (kept beside the records). */
    private final Map<String, Run> runs = new ConcurrentHashMap<>();
    /** The hold mark of a session ({@link Session#held()}), by user + "/" + session. */
    private final Map<String, String> held = new ConcurrentHashMap<>();

    private record Run(String turnId, long until, long attempt, List<ResumeRequest> resumes) {
        static final Run NONE = new Run(null, 0, 0, List.of());
    }

    private static String runKey(String userId, String sessionId) {
        return userId + "/" + sessionId;
    }
    public final AtomicInteger writes = new AtomicInteger();

    private NavigableMap<String, Session> of(String userId) {
        return byUser.computeIfAbsent(userId, u -> new ConcurrentSkipListMap<>());
    }

    @Override
    public Optional<Session> get(String userId, String sessionId) {
        return Optional.ofNullable(of(userId).get(sessionId)).map(s -> withRun(s,
                runs.getOrDefault(runKey(userId, sessionId), Run.NONE).resumes(), held.get(runKey(userId, sessionId))));
    }

    private static Session withRun(Session s, List<ResumeRequest> resumes, String held) {
        return new Session(s.userId(), s.sessionId(), s.title(), s.createdAtMillis(), s.updatedAtMillis(), s.model(),
                s.systemPrompt(), s.busyPolicy(), s.lastTurnId(), s.lastClientMessageId(), s.settledTurnId(),
                s.cancelUpTo(), resumes, held);
    }

    @Override
    public synchronized boolean markHeld(String userId, String sessionId, String jobId) {
        writes.incrementAndGet();
        if (!of(userId).containsKey(sessionId)) {
            return false;
        }
        held.put(runKey(userId, sessionId), jobId);
        return true;
    }

    @Override
    public synchronized void clearHeld(String userId, String sessionId, String jobId) {
        writes.incrementAndGet();
        held.remove(runKey(userId, sessionId), jobId);
    }

    @Override
    public synchronized Optional<Session> settle(String userId, String sessionId, String turnId, long updatedAtMillis) {
        Optional<Session> before = get(userId, sessionId);
        markSettledOnly(userId, sessionId, turnId, updatedAtMillis);
        before.ifPresent(b -> runs.computeIfPresent(runKey(userId, sessionId),
                (k, r) -> new Run(null, 0, r.attempt(), List.of())));
        return before;
    }

    @Override
    public synchronized RunClaim claimRun(String userId, String sessionId, String turnId, long nowMillis,
                                          long untilMillis) {
        writes.incrementAndGet();
        Optional<Session> session = get(userId, sessionId);
        if (session.isEmpty()) {
            return RunClaim.gone();
        }
        Run run = runs.getOrDefault(runKey(userId, sessionId), Run.NONE);
        if (run.until() != 0 && run.until() >= nowMillis) {
            return RunClaim.held(run.until());
        }
        runs.put(runKey(userId, sessionId), new Run(turnId, untilMillis, run.attempt() + 1, run.resumes()));
        return RunClaim.claimed(session.get(), run.attempt() + 1, turnId.equals(run.turnId()));
    }

    @Override
    public synchronized void releaseRun(String userId, String sessionId, long attempt) {
        writes.incrementAndGet();
        runs.computeIfPresent(runKey(userId, sessionId), (k, r) -> r.attempt() == attempt
                ? new Run(r.turnId(), 0, r.attempt(), r.resumes()) : r);
    }

    @Override
    public synchronized boolean requestResume(String userId, String sessionId, ResumeRequest request) {
        writes.incrementAndGet();
        if (get(userId, sessionId).isEmpty()) {
            return false;
        }
        Run run = runs.getOrDefault(runKey(userId, sessionId), Run.NONE);
        if (run.resumes().size() >= MAX_RESUMES) {
            return false;
        }
        List<ResumeRequest> resumes = new java.util.ArrayList<>(run.resumes());
        resumes.add(request);
        runs.put(runKey(userId, sessionId), new Run(run.turnId(), run.until(), run.attempt(), resumes));
        return true;
    }

    @Override
    public Session createIfAbsent(Session s) {
        writes.incrementAndGet();
        Session old = of(s.userId()).putIfAbsent(s.sessionId(), s);
        return old == null ? s : old;
    }

    @Override
    public boolean touch(String userId, String sessionId, long updatedAtMillis) {
        writes.incrementAndGet();
        return of(userId).computeIfPresent(sessionId, (k, s) ->
                new Session(s.userId(), s.sessionId(), s.title(), s.createdAtMillis(), updatedAtMillis, s.model(),
                        s.systemPrompt(), s.busyPolicy(), s.lastTurnId(), s.lastClientMessageId(), s.settledTurnId(),
                        s.cancelUpTo())) != null;
    }

    @Override
    public Optional<Session> update(String userId, String sessionId, String title, String model, String systemPrompt,
                                    BusyPolicy busyPolicy) {
        writes.incrementAndGet();
        return Optional.ofNullable(of(userId).computeIfPresent(sessionId, (k, s) ->
                new Session(s.userId(), s.sessionId(), setting(s.title(), title), s.createdAtMillis(),
                        s.updatedAtMillis(), setting(s.model(), model), setting(s.systemPrompt(), systemPrompt),
                        busyPolicy == null ? s.busyPolicy() : busyPolicy, s.lastTurnId(), s.lastClientMessageId(),
                        s.settledTurnId(), s.cancelUpTo())));
    }

    @Override
    public synchronized Optional<Session> retitle(String userId, String sessionId, String expectedTitle,
                                                 String title) {
        Session s = of(userId).get(sessionId);
        if (s == null || !java.util.Objects.equals(s.title(), expectedTitle)) {
            return Optional.empty();
        }
        writes.incrementAndGet();
        Session renamed = new Session(s.userId(), s.sessionId(), title, s.createdAtMillis(), s.updatedAtMillis(),
                s.model(), s.systemPrompt(), s.busyPolicy(), s.lastTurnId(), s.lastClientMessageId(),
                s.settledTurnId(), s.cancelUpTo(), s.resumes());
        of(userId).put(sessionId, renamed);
        return Optional.of(renamed);
    }

    private static String setting(String old, String value) {
        return value == null ? old : value.isEmpty() ? null : value;
    }

    private static String later(String old, String turnId) {
        return old == null || old.compareTo(turnId) < 0 ? turnId : old;
    }

    @Override
    public boolean markAccepted(String userId, String sessionId, String turnId, String clientMessageId) {
        writes.incrementAndGet();
        return of(userId).computeIfPresent(sessionId, (k, s) -> later(s.lastTurnId(), turnId).equals(s.lastTurnId()) ? s
                : new Session(s.userId(), s.sessionId(), s.title(), s.createdAtMillis(), s.updatedAtMillis(),
                        s.model(), s.systemPrompt(), s.busyPolicy(), turnId, clientMessageId, s.settledTurnId(),
                        s.cancelUpTo())) != null;
    }

    private void markSettledOnly(String userId, String sessionId, String turnId, long updatedAtMillis) {
        writes.incrementAndGet();
        of(userId).computeIfPresent(sessionId, (k, s) -> s.settledTurnId() != null
                && s.settledTurnId().compareTo(turnId) >= 0 ? s
                : new Session(s.userId(), s.sessionId(), s.title(), s.createdAtMillis(), updatedAtMillis, s.model(),
                        s.systemPrompt(), s.busyPolicy(), s.lastTurnId(), s.lastClientMessageId(), turnId,
                        s.cancelUpTo()));
    }

    @Override
    public boolean cancelUpTo(String userId, String sessionId, String turnId) {
        writes.incrementAndGet();
        return of(userId).computeIfPresent(sessionId, (k, s) ->
                new Session(s.userId(), s.sessionId(), s.title(), s.createdAtMillis(), s.updatedAtMillis(), s.model(),
                        s.systemPrompt(), s.busyPolicy(), s.lastTurnId(), s.lastClientMessageId(), s.settledTurnId(),
                        later(s.cancelUpTo(), turnId))) != null;
    }

    @Override
    public Page<Session> list(String userId, int limit, String cursor) {
        NavigableMap<String, Session> all = of(userId);
        NavigableMap<String, Session> rest = cursor == null ? all : all.tailMap(decode(cursor), false);
        List<Session> page = rest.values().stream().limit(limit).toList();
        String next = page.size() == limit && rest.size() > limit ? encode(page.get(page.size() - 1).sessionId()) : null;
        return new Page<>(page, next);
    }

    @Override
    public boolean delete(String userId, String sessionId) {
        writes.incrementAndGet();
        runs.remove(runKey(userId, sessionId));
        held.remove(runKey(userId, sessionId));
        return of(userId).remove(sessionId) != null;
    }

    static String encode(String key) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(key.getBytes(StandardCharsets.UTF_8));
    }

    static String decode(String cursor) {
        try {
            return new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new InvalidCursorException();
        }
    }
}
