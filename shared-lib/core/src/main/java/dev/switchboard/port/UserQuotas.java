package dev.switchboard.port;

/**
 * Per-user limits on use (turns per minute, tokens per day), counted atomically so any number of function instances
 * share them. A refused turn is not counted.
 */
public interface UserQuotas {
    enum Verdict { OK, TURNS_PER_MINUTE, TOKENS_PER_DAY }

    /**
     * Counts one turn in the user's current minute unless that would pass {@code turnsPerMinute} or the user's tokens
     * of the day have reached {@code tokensPerDay} (a limit of 0 is no limit).
     */
    Verdict tryStartTurn(String userId, long nowMillis, int turnsPerMinute, long tokensPerDay);

    /** Adds the tokens of an answered turn to the user's day. */
    void addTokens(String userId, long nowMillis, long tokens);
}
