package dev.switchboard.testing;

import dev.switchboard.port.Census;
import dev.switchboard.port.QueueMonitor;
import java.util.EnumMap;
import java.util.Map;

/** Test-only {@link Census} and {@link QueueMonitor} that answer set values (or throw, to stand for an outage). */
public final class FixedMonitoring implements Census, QueueMonitor {
    public volatile long openConnections;
    public volatile Census.Sessions sessions = new Census.Sessions(0, 0, null);
    public final Map<Queue, Depth> depths = new EnumMap<>(Map.of(Queue.TURNS, new Depth(0, 0, 0),
            Queue.DEAD_LETTERS, new Depth(0, 0, 0), Queue.USER_DATA, new Depth(0, 0, 0),
            Queue.USER_DATA_DEAD_LETTERS, new Depth(0, 0, 0)));
    /** When set, every call throws it. */
    public volatile RuntimeException outage;

    @Override
    public long openConnections(long nowMillis) {
        fail();
        return openConnections;
    }

    @Override
    public Census.Sessions sessions() {
        fail();
        return sessions;
    }

    @Override
    public Depth depth(Queue queue) {
        fail();
        return depths.get(queue);
    }

    private void fail() {
        if (outage != null) {
            throw outage;
        }
    }
}
