package dev.switchboard.testing;

import dev.switchboard.domain.Page;
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
    public final AtomicInteger writes = new AtomicInteger();

    private NavigableMap<String, Session> of(String userId) {
        return byUser.computeIfAbsent(userId, u -> new ConcurrentSkipListMap<>());
    }

    @Override
    public Optional<Session> get(String userId, String sessionId) {
        return Optional.ofNullable(of(userId).get(sessionId));
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
                new Session(s.userId(), s.sessionId(), s.title(), s.createdAtMillis(), updatedAtMillis)) != null;
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
