package dev.switchboard.port;

import dev.switchboard.domain.TurnRequest;

public interface TurnQueue {
    /** Enqueues in the session's FIFO group, deduplicated by turn id. */
    void enqueue(TurnRequest turn);
}
