package dev.switchboard.port;

import dev.switchboard.domain.TurnRequest;

public interface TurnQueue {
    /** Enqueues in the session's FIFO group, deduplicated by turn id. */
    void enqueue(TurnRequest turn);

    /**
     * {@link #enqueue} of a job that runs a session's turn, told whether the session's group held a job when the
     * session was read ({@code Session.held() != null}): a queue that holds refused jobs and marks their sessions
     * takes that instead of asking its held jobs. Others ignore it.
     */
    default void enqueue(TurnRequest turn, boolean groupHeld) {
        enqueue(turn);
    }
}
