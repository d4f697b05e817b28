package dev.switchboard.testing;

import dev.switchboard.domain.Connection;
import dev.switchboard.port.ConnectionStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Test-only {@link ConnectionStore}: a map keyed like the table (user, connection), counting writes. */
public final class InMemoryConnectionStore implements ConnectionStore {
    private final Map<String, Map<String, Connection>> byUser = new ConcurrentHashMap<>();
    public final AtomicInteger writes = new AtomicInteger();

    @Override
    public void put(Connection c) {
        writes.incrementAndGet();
        byUser.computeIfAbsent(c.userId(), u -> new ConcurrentHashMap<>()).put(c.connectionId(), c);
    }

    @Override
    public void delete(String userId, String connectionId) {
        writes.incrementAndGet();
        Map<String, Connection> m = byUser.get(userId);
        if (m != null) {
            m.remove(connectionId);
        }
    }

    @Override
    public List<Connection> listByUser(String userId) {
        // like the DynamoDB adapter: TTL deletion lags, so an expired connection is treated as gone
        long nowSeconds = System.currentTimeMillis() / 1000;
        return new ArrayList<>(byUser.getOrDefault(userId, Map.of()).values().stream()
                .filter(c -> c.expiresAtEpochSeconds() == 0 || c.expiresAtEpochSeconds() > nowSeconds)
                .toList());
    }
}
