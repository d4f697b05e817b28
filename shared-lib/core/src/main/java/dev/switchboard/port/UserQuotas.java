package dev.switchboard.port;

/**
 * Per-user limits on use (turns per minute, tokens per day, answers running at once), counted atomically so any
 * number of function instances share them. A turn refused for its minute or its day is not counted.
 */
public interface UserQuotas {
    /** {@code RUNNING_ANSWERS}: every running-answer slot is held (only {@link #tryStartTurnWithSlot} says it). */
    enum Verdict { OK, TURNS_PER_MINUTE, TOKENS_PER_DAY, RUNNING_ANSWERS }

    /**
     * Counts one turn in the user's current minute unless that would pass {@code turnsPerMinute} or the user's tokens
     * of the day have reached {@code tokensPerDay} (a limit of 0 is no limit).
     */
    Verdict tryStartTurn(String userId, long nowMillis, int turnsPerMinute, long tokensPerDay);

    /**
     * {@link #tryStartTurn} and, when it passes, {@link #tryTakeSlot}, in one write where the store can: a turn refused
     * for its minute or its day takes no slot; a turn refused for the slots ({@code RUNNING_ANSWERS}) is counted in
     * its minute.
     */
    default Verdict tryStartTurnWithSlot(String userId, String sessionId, String clientMessageId, long nowMillis,
                                         int turnsPerMinute, long tokensPerDay, int slots, long holdMillis) {
        Verdict verdict = tryStartTurn(userId, nowMillis, turnsPerMinute, tokensPerDay);
        if (verdict != Verdict.OK) {
            return verdict;
        }
        return tryTakeSlot(userId, sessionId, clientMessageId, nowMillis, slots, holdMillis) ? Verdict.OK
                : Verdict.RUNNING_ANSWERS;
    }

    /**
     * Adds the tokens of one model call to the user's day, once per {@code callId}: a second charge of the same call
     * (a repeated write, a redelivered job that got as far) adds nothing.
     *
     * @return false when this call was charged already
     */
    boolean charge(String userId, String callId, long nowMillis, long tokens);

    /** The tokens charged to the user's UTC day of {@code nowMillis} (a strongly consistent read). */
    long tokensUsed(String userId, long nowMillis);

    /**
     * Takes one of the user's {@code slots} running-answer slots for the session's turn of {@code clientMessageId},
     * atomically: a session holds at most one slot (a later message to it takes the session's slot over, so the
     * slot follows the session's newest turn); a slot whose {@code holdMillis} have passed since it was taken is free
     * again (a worker that died without releasing it).
     *
     * @return false when every slot is held by another session
     */
    boolean tryTakeSlot(String userId, String sessionId, String clientMessageId, long nowMillis, int slots,
                        long holdMillis);

    /** Frees the session's slot if it is still held for the turn of {@code clientMessageId}; else nothing changes. */
    void releaseSlot(String userId, String sessionId, String clientMessageId);

    /**
     * {@link #charge} and {@link #releaseSlot} in one write where the store can: a turn's last model call is charged
     * as the turn's slot is freed. A part that does not apply (the call charged already; the slot taken over or
     * lapsed) leaves the other done, as the two calls would.
     *
     * @return false when this call was charged already
     */
    default boolean chargeAndReleaseSlot(String userId, String callId, long nowMillis, long tokens, String sessionId,
                                         String clientMessageId) {
        try {
            return charge(userId, callId, nowMillis, tokens);
        } finally {
            releaseSlot(userId, sessionId, clientMessageId);
        }
    }
}
