package dev.switchboard.port;

/**
 * What the worker must know of a user before a turn's first model call, read in one request: the tokens the user
 * spent today (the daily budget is asked before every model call) and the user's knowledge version (whether the
 * worker's cached memories and documents are current, see {@link KnowledgeVersions}). Both are read strongly
 * consistent, as {@link UserQuotas#tokensUsed} and {@link KnowledgeVersions#current} read them.
 */
public interface TurnStanding {
    /** @param tokensUsedToday the user's tokens of the UTC day; @param knowledgeVersion 0 before the first change */
    record Standing(long tokensUsedToday, long knowledgeVersion) {}

    Standing read(String userId, long nowMillis);
}
