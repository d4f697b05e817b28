package dev.switchboard.config;

/**
 * The per-user caps on what a user holds and the per-minute limits on creating it (0 = off): sessions, documents and
 * notes held at once; documents added and sessions created per minute. (Memories are capped by the memory job, which
 * runs one at a time per user: {@code KnowledgeLimits.MAX_MEMORIES_PER_USER}.)
 */
public record HoldingSettings(int sessionsPerUser, int documentsPerUser, int notesPerUser,
                              int documentsPerMinute, int sessionsPerMinute) {
    public HoldingSettings {
        if (sessionsPerUser < 0 || documentsPerUser < 0 || notesPerUser < 0
                || documentsPerMinute < 0 || sessionsPerMinute < 0) {
            throw new IllegalStateException("per-user caps must not be negative");
        }
    }

    /** No cap and no rate limit. */
    public static final HoldingSettings OFF = new HoldingSettings(0, 0, 0, 0, 0);

    /** The declared defaults (Setting.LIMIT_*_PER_USER, Setting.LIMIT_*_PER_MINUTE). */
    public static final HoldingSettings DEFAULTS = fromEnv(new Env(java.util.Map.of()));

    public static HoldingSettings fromEnv(Env env) {
        return new HoldingSettings(env.integer(Setting.LIMIT_SESSIONS_PER_USER),
                env.integer(Setting.LIMIT_DOCUMENTS_PER_USER), env.integer(Setting.LIMIT_NOTES_PER_USER), env.integer(Setting.LIMIT_DOCUMENTS_PER_MINUTE),
                env.integer(Setting.LIMIT_SESSIONS_PER_MINUTE));
    }
}
