package dev.switchboard.turn;

import dev.switchboard.agent.ModelChoice;
import dev.switchboard.agent.TurnContext;
import dev.switchboard.domain.RunCheckpoint;
import dev.switchboard.domain.TurnRequest;

/**
 * One run of a turn: the turn, the model and context it is answered with, where its output goes, when it started,
 * the time by which the model must be done (the invocation's end less the reserve), the run's claim number, and the
 * checkpoint it continues from (null: it did not start in an earlier invocation), and the delivery's receive count.
 * {@code started} is when the run's first segment started, {@code segmentStarted} when this one did;
 * {@code dayTokensAtStart} the user's tokens of the day read as this segment began (-1: not read);
 * {@code userJobsHeld} whether the user's group held a job when that was read (null: not read); {@code charge} the
 * run's held model-call charge and its slot.
 */
record RunningTurn(TurnRequest request, ModelChoice model, TurnContext context, TurnOutput output, long started,
                   long deadline, long attempt, RunCheckpoint handedOn, int receiveCount, long segmentStarted,
                   long dayTokensAtStart, Boolean userJobsHeld, HeldCharge charge) {
    /** The time this segment had for the model and tools when it started. */
    long segmentMillis() {
        return deadline - segmentStarted;
    }
}
