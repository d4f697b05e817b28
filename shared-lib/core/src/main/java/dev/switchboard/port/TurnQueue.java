package dev.switchboard.port;

import dev.switchboard.domain.TurnRequest;

public interface TurnQueue {
    /** Enqueues in the session's FIFO group, deduplicated by turn id. */
    void enqueue(TurnRequest turn);

    /**
     * {@link #enqueue}, told whether the job's group held a job when the caller read it: for a job that runs a
     * session's turn, the session's mark ({@code Session.held() != null}, taken by a queue that marks the sessions of
     * the jobs it holds); for a user's memory or index job, whether the held jobs of the user's group were there when
     * the worker read the user's standing ({@link TurnStanding.Standing#userJobsHeld}). A queue that holds refused
     * jobs takes that instead of asking its held jobs. Others ignore it.
     */
    default void enqueue(TurnRequest turn, boolean groupHeld) {
        enqueue(turn);
    }
}
