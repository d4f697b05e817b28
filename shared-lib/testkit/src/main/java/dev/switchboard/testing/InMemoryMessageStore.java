package dev.switchboard.testing;

import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.Page;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.TurnClaim;
import dev.switchboard.port.InvalidCursorException;
import dev.switchboard.port.MessageStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Test-only {@link MessageStore} with the DynamoDB adapter's key layout: messages sorted by turn id, then role. */
public class InMemoryMessageStore implements MessageStore {
    private final Map<String, NavigableMap<String, StoredMessage>> messages = new ConcurrentHashMap<>();
    private final Map<String, TurnClaim> claims = new ConcurrentHashMap<>();
    private final Map<String, NavigableMap<String, StoredMessage>> steps = new ConcurrentHashMap<>();
    private final Map<String, dev.switchboard.domain.RunCheckpoint> checkpoints = new ConcurrentHashMap<>();
    public final AtomicInteger writes = new AtomicInteger();

    private static String partition(String userId, String sessionId) {
        return userId + "#" + sessionId;
    }

    private static String sortKey(String turnId, Role role) {
        return turnId + (role == Role.USER ? "#0" : "#1");
    }

    private NavigableMap<String, StoredMessage> of(String userId, String sessionId) {
        return messages.computeIfAbsent(partition(userId, sessionId), k -> new ConcurrentSkipListMap<>());
    }

    @Override
    public synchronized TurnClaim claimTurn(String userId, String sessionId, String clientMessageId,
                                            String candidateTurnId, String fingerprint, long nowMillis) {
        String key = partition(userId, sessionId) + "#" + clientMessageId;
        TurnClaim existing = claims.get(key);
        if (existing != null) {
            return new TurnClaim(existing.turnId(), existing.createdAtMillis(), false, existing.fingerprint());
        }
        writes.incrementAndGet();
        TurnClaim claim = new TurnClaim(candidateTurnId, nowMillis, true, fingerprint);
        claims.put(key, claim);
        return claim;
    }

    /** The claim stored for {@code clientMessageId} (fresh = false), or null (for {@link InMemoryTurnAdmissions}). */
    synchronized TurnClaim claimOf(String userId, String sessionId, String clientMessageId) {
        TurnClaim existing = claims.get(partition(userId, sessionId) + "#" + clientMessageId);
        return existing == null ? null
                : new TurnClaim(existing.turnId(), existing.createdAtMillis(), false, existing.fingerprint());
    }

    @Override
    public synchronized TurnClaim claimTurnWithMessage(StoredMessage message, String clientMessageId,
                                                       String fingerprint) {
        TurnClaim claim = claimTurn(message.userId(), message.sessionId(), clientMessageId, message.turnId(),
                fingerprint, message.createdAtMillis());
        if (claim.fresh()) {
            putIfAbsent(message);
        }
        return claim;
    }

    private NavigableMap<String, StoredMessage> mapOf(StoredMessage m) {
        return m.role() == Role.TOOL
                ? steps.computeIfAbsent(partition(m.userId(), m.sessionId()), k -> new ConcurrentSkipListMap<>())
                : of(m.userId(), m.sessionId());
    }

    private static String keyOf(StoredMessage m) {
        return m.role() == Role.TOOL ? m.turnId() + "#" + String.format(java.util.Locale.ROOT, "%04d", m.tool().step())
                : sortKey(m.turnId(), m.role());
    }

    @Override
    public synchronized boolean transition(StoredMessage next, dev.switchboard.domain.ToolStatus expectedStatus) {
        NavigableMap<String, StoredMessage> map = mapOf(next);
        StoredMessage old = map.get(keyOf(next));
        if (old == null || !java.util.Objects.equals(old.status(), expectedStatus.wire())) {
            return false;
        }
        writes.incrementAndGet();
        map.put(keyOf(next), next);
        return true;
    }

    @Override
    public List<StoredMessage> toolCalls(String userId, String sessionId, String fromTurnId, String toTurnId) {
        NavigableMap<String, StoredMessage> all = steps.getOrDefault(partition(userId, sessionId),
                new ConcurrentSkipListMap<>());
        return List.copyOf(all.subMap(fromTurnId + "#", true, toTurnId + "#~", true).values());
    }

    @Override
    public synchronized boolean putIfAbsent(StoredMessage m) {
        boolean written = mapOf(m).putIfAbsent(keyOf(m), m) == null;
        if (written) {
            writes.incrementAndGet();
        }
        return written;
    }

    @Override
    public Page<StoredMessage> history(String userId, String sessionId, int limit, String cursor) {
        NavigableMap<String, StoredMessage> all = of(userId, sessionId).descendingMap();
        NavigableMap<String, StoredMessage> rest = all;
        if (cursor != null) {
            String from = InMemorySessionStore.decode(cursor);
            if (!all.containsKey(from)) {
                throw new InvalidCursorException();
            }
            rest = all.tailMap(from, false);
        }
        List<Map.Entry<String, StoredMessage>> page = rest.entrySet().stream().limit(limit).toList();
        String next = page.size() == limit && rest.size() > limit
                ? InMemorySessionStore.encode(page.get(page.size() - 1).getKey()) : null;
        List<StoredMessage> items = new ArrayList<>(page.stream().map(Map.Entry::getValue).toList());
        Collections.reverse(items);
        return new Page<>(items, next);
    }

    @Override
    public List<StoredMessage> fromTurn(String userId, String sessionId, String fromTurnId, int limit) {
        NavigableMap<String, StoredMessage> all = of(userId, sessionId);
        NavigableMap<String, StoredMessage> rest = fromTurnId == null ? all : all.tailMap(fromTurnId + "#", true);
        return rest.values().stream().limit(limit).toList();
    }

    @Override
    public String cursorBefore(StoredMessage message) {
        return InMemorySessionStore.encode(sortKey(message.turnId(), message.role()));
    }

    @Override
    public List<StoredMessage> recentUpTo(String userId, String sessionId, String turnId, int count) {
        List<StoredMessage> upTo = new ArrayList<>(of(userId, sessionId).headMap(sortKey(turnId, Role.ASSISTANT), true)
                .descendingMap().values().stream().limit(count).toList());
        Collections.reverse(upTo);
        return upTo;
    }

    @Override
    public synchronized int supersede(String userId, String sessionId, String fromTurnId, String beforeTurnId,
                                      boolean keepFirstQuestion) {
        NavigableMap<String, StoredMessage> all = of(userId, sessionId);
        int marked = 0;
        for (Map.Entry<String, StoredMessage> e : List.copyOf(all.subMap(fromTurnId + "#", true,
                beforeTurnId + "#", false).entrySet())) {
            StoredMessage m = e.getValue();
            boolean kept = keepFirstQuestion && m.turnId().equals(fromTurnId) && m.role() == Role.USER;
            if (!kept && !m.branch().superseded()) {
                all.put(e.getKey(), m.withBranch(m.branch().asSuperseded()));
                marked++;
            }
        }
        writes.addAndGet(marked);
        return marked;
    }

    @Override
    public synchronized java.util.Optional<StoredMessage> rate(String userId, String sessionId, String turnId,
                                                               dev.switchboard.domain.Rating rating) {
        NavigableMap<String, StoredMessage> map = of(userId, sessionId);
        StoredMessage old = map.get(sortKey(turnId, Role.ASSISTANT));
        if (old == null) {
            return java.util.Optional.empty();
        }
        writes.incrementAndGet();
        map.put(sortKey(turnId, Role.ASSISTANT), old.withRating(rating));
        return java.util.Optional.of(old);
    }

    @Override
    public int deleteSession(String userId, String sessionId) {
        NavigableMap<String, StoredMessage> removed = messages.remove(partition(userId, sessionId));
        steps.remove(partition(userId, sessionId));
        claims.keySet().removeIf(k -> k.startsWith(partition(userId, sessionId) + "#"));
        checkpoints.keySet().removeIf(k -> k.startsWith(partition(userId, sessionId) + "#"));
        writes.incrementAndGet();
        return removed == null ? 0 : removed.size();
    }

    @Override
    public void saveCheckpoint(dev.switchboard.domain.RunCheckpoint c) {
        writes.incrementAndGet();
        checkpoints.put(partition(c.userId(), c.sessionId()) + "#" + c.turnId(), c);
    }

    @Override
    public java.util.Optional<dev.switchboard.domain.RunCheckpoint> checkpoint(String userId, String sessionId,
                                                                               String turnId) {
        return java.util.Optional.ofNullable(checkpoints.get(partition(userId, sessionId) + "#" + turnId));
    }

    @Override
    public void clearCheckpoint(String userId, String sessionId, String turnId) {
        writes.incrementAndGet();
        checkpoints.remove(partition(userId, sessionId) + "#" + turnId);
    }

    /** Every stored message of every user, for isolation checks. */
    public List<StoredMessage> all() {
        return java.util.stream.Stream.concat(messages.values().stream(), steps.values().stream())
                .flatMap(m -> m.values().stream()).toList();
    }
}
