package dev.switchboard.testing;

import dev.switchboard.port.UserHoldings;
import java.util.HashMap;
import java.util.Map;

/** Test-only {@link UserHoldings}: the DynamoDB adapter's counts and UTC minutes, behind one lock. */
public class InMemoryUserHoldings implements UserHoldings {
    private final Map<String, Long> counts = new HashMap<>();
    private final Map<String, Long> actions = new HashMap<>();

    private static String key(String userId, Kind kind) {
        return userId + "#" + kind.wire();
    }

    @Override
    public synchronized boolean tryAdd(String userId, Kind kind, int cap) {
        if (cap == 0) {
            return true;
        }
        if (counts.getOrDefault(key(userId, kind), 0L) >= cap) {
            return false;
        }
        counts.merge(key(userId, kind), 1L, Long::sum);
        return true;
    }

    @Override
    public synchronized void release(String userId, Kind kind, int count) {
        counts.computeIfPresent(key(userId, kind), (k, n) -> Math.max(0, n - count));
    }

    @Override
    public synchronized long count(String userId, Kind kind) {
        return counts.getOrDefault(key(userId, kind), 0L);
    }

    @Override
    public synchronized void clear(String userId, Kind kind) {
        counts.remove(key(userId, kind));
    }

    @Override
    public synchronized boolean tryCountAction(String userId, Kind kind, long nowMillis, int perMinute) {
        if (perMinute == 0) {
            return true;
        }
        String minute = key(userId, kind) + "#" + nowMillis / 60_000;
        if (actions.getOrDefault(minute, 0L) >= perMinute) {
            return false;
        }
        actions.merge(minute, 1L, Long::sum);
        return true;
    }
}
