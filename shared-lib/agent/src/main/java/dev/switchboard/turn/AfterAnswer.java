package dev.switchboard.turn;

import dev.switchboard.domain.TurnRequest;

/** After a turn is answered (not cancelled): e.g. queue the memory update. Must not throw into the turn. */
@FunctionalInterface
public interface AfterAnswer {
    /**
     * @param modelId   the id of the model that answered (the memory job extracts with it, without reading the session)
     * @param tokens    the input and output tokens the turn's model calls used
     * @param dayTokens the user's tokens of the day as the turn began plus {@code tokens} (at least what the day held
     *                  once the turn was charged, but for other turns' calls meanwhile); -1 when the day's tokens were
     *                  not read
     * @param userJobsHeld whether the user's group held a job (a memory or index job the queue refused) as the turn
     *                     began, read with the day's tokens; null when not read
     */
    void answered(TurnRequest turn, String modelId, int tokens, long dayTokens, Boolean userJobsHeld);

    AfterAnswer NONE = (turn, modelId, tokens, dayTokens, userJobsHeld) -> { };
}
