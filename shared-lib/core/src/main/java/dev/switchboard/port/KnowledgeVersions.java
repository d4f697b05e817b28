package dev.switchboard.port;

/**
 * A per-user counter bumped whenever the user's memories or documents change. Worker instances compare it with the
 * version their user-tier cache holds, so a change made anywhere (a delete in the message function, a memory added by
 * another worker) invalidates every cached copy at the user's next turn.
 */
public interface KnowledgeVersions {
    long current(String userId);

    void bump(String userId);
}
