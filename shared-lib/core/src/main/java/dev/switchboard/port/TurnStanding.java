package dev.switchboard.port;

/**
 * What the worker must know of a user before a turn's first model call, read in one request: the tokens the user
 * spent today (the daily budget is asked before every model call) and the user's knowledge version (whether the
 * worker's cached memories and documents are current, see {@link KnowledgeVersions}). Both are read strongly
 * consistent, as {@link UserQuotas#tokensUsed} and {@link KnowledgeVersions#current} read them. The same read says
 * whether {@link PendingTurns} holds a job of the user's own group (a memory or index job whose send the queue
 * refused): the turn's memory job is then held behind it ({@link TurnQueue#enqueue(dev.switchboard.domain.TurnRequest,
 * boolean)}), without a Query of its own.
 */
public interface TurnStanding {
    /**
     * @param tokensUsedToday  the user's tokens of the UTC day
     * @param knowledgeVersion 0 before the first change
     * @param userJobsHeld     whether a job of the user's group ({@code TurnRequest.userGroup}) is held
     */
    record Standing(long tokensUsedToday, long knowledgeVersion, boolean userJobsHeld) {
        /** A standing with no held job of the user's group. */
        public Standing(long tokensUsedToday, long knowledgeVersion) {
            this(tokensUsedToday, knowledgeVersion, false);
        }
    }

    Standing read(String userId, long nowMillis);
}
