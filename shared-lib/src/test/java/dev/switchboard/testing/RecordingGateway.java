package dev.switchboard.testing;

import dev.switchboard.port.ConnectionGateway;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** Test-only {@link ConnectionGateway}: records every frame per connection; connections marked gone answer GONE. */
public final class RecordingGateway implements ConnectionGateway {
    public record Frame(String connectionId, String json) {}

    public final List<Frame> frames = new CopyOnWriteArrayList<>();
    public final Set<String> gone = ConcurrentHashMap.newKeySet();

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
}
