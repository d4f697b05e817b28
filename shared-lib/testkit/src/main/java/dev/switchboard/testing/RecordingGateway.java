package dev.switchboard.testing;

import dev.switchboard.port.ConnectionCloser;
import dev.switchboard.port.ConnectionGateway;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Test-only {@link ConnectionGateway} and {@link ConnectionCloser}: records every frame per connection and every
 * closed connection; connections marked gone answer GONE, and a closed connection is gone from then on.
 */
public final class RecordingGateway implements ConnectionGateway, ConnectionCloser {
    public record Frame(String connectionId, String json) {}

    public final List<Frame> frames = new CopyOnWriteArrayList<>();
    public final Set<String> gone = ConcurrentHashMap.newKeySet();
    public final List<String> closed = new CopyOnWriteArrayList<>();
    /** Connections whose close fails (the gateway answers an error). */
    public final Set<String> failing = ConcurrentHashMap.newKeySet();

    @Override
    public Delivery post(String connectionId, String frame) {
        if (gone.contains(connectionId)) {
            return Delivery.GONE;
        }
        frames.add(new Frame(connectionId, frame));
        return Delivery.DELIVERED;
    }

    public List<String> framesTo(String connectionId) {
        return frames.stream().filter(f -> f.connectionId().equals(connectionId)).map(Frame::json).toList();
    }

    @Override
    public Closing close(String connectionId) {
        if (failing.contains(connectionId)) {
            return Closing.FAILED;
        }
        if (!gone.add(connectionId)) {
            return Closing.GONE;
        }
        closed.add(connectionId);
        return Closing.CLOSED;
    }
}
