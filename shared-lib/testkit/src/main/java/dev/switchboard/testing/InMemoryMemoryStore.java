package dev.switchboard.testing;

import dev.switchboard.domain.Memory;
import dev.switchboard.port.MemoryStore;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Test-only {@link MemoryStore}: one sorted map per user, like the table's partition; vectors are copied in and out. */
public class InMemoryMemoryStore implements MemoryStore {
    private final Map<String, NavigableMap<String, Memory>> byUser = new ConcurrentHashMap<>();
    public final AtomicInteger writes = new AtomicInteger();
    /** Calls of {@link #list}, to see when a cache reads the store. */
    public final AtomicInteger lists = new AtomicInteger();

    private NavigableMap<String, Memory> of(String userId) {
        return byUser.computeIfAbsent(userId, u -> new ConcurrentSkipListMap<>());
    }

    static String checkId(String id, String what) {
        if (id == null || id.isEmpty() || id.indexOf('#') >= 0) {
            throw new IllegalArgumentException(what + " id must be non-empty and must not contain '#'");
        }
        return id;
    }

    static float[] copy(float[] v) {
        return v == null ? null : v.clone();
    }

    private static Memory copied(Memory m) {
        return new Memory(m.userId(), m.memoryId(), m.text(), m.sourceSessionId(), m.sourceTurnId(),
                m.createdAtMillis(), m.updatedAtMillis(), copy(m.vector()));
    }

    @Override
    public List<Memory> list(String userId) {
        lists.incrementAndGet();
        return of(userId).values().stream().map(InMemoryMemoryStore::copied).toList();
    }

    @Override
    public void put(Memory memory) {
        writes.incrementAndGet();
        of(memory.userId()).put(checkId(memory.memoryId(), "memory"), copied(memory));
    }

    @Override
    public boolean delete(String userId, String memoryId) {
        writes.incrementAndGet();
        return of(userId).remove(checkId(memoryId, "memory")) != null;
    }

    @Override
    public int deleteAll(String userId) {
        writes.incrementAndGet();
        NavigableMap<String, Memory> removed = byUser.remove(userId);
        return removed == null ? 0 : removed.size();
    }

    @Override
    public int count(String userId) {
        return of(userId).size();
    }
}
