package dev.switchboard.usecase;

import dev.switchboard.domain.TurnRequest;
import dev.switchboard.port.TurnQueue;

/**
 * The two queues behind one {@link TurnQueue}: a job that runs a session's turn (a new turn, a resume) goes to the
 * turns queue, a user-data job (memory extraction, document indexing) to the user-data queue. So a worker batch of
 * the turns queue holds only turns, and a slow memory job never stands in front of a turn. {@link ReliableTurnQueue}
 * wraps the split once, so a job either queue refuses is held and swept the same way, and sent again to its own queue.
 */
public final class SplitTurnQueue implements TurnQueue {
    private final TurnQueue turns;
    private final TurnQueue userData;

    public SplitTurnQueue(TurnQueue turns, TurnQueue userData) {
        this.turns = turns;
        this.userData = userData;
    }

    @Override
    public void enqueue(TurnRequest job) {
        (job.runsTurn() ? turns : userData).enqueue(job);
    }
}
