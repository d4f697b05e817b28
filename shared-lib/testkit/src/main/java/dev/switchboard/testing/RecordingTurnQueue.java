package dev.switchboard.testing;

import dev.switchboard.domain.TurnRequest;
import dev.switchboard.port.TurnQueue;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Test-only {@link TurnQueue} that records what was enqueued. */
public final class RecordingTurnQueue implements TurnQueue {
    public final List<TurnRequest> enqueued = new CopyOnWriteArrayList<>();

    @Override
    public void enqueue(TurnRequest turn) {
        enqueued.add(turn);
    }
}
