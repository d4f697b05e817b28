package dev.switchboard.config;

/** The per-user limits of the environment (0 = off): messages per minute, answers at once, tokens per UTC day. */
public record LimitSettings(int turnsPerMinute, int concurrentTurns, long tokensPerDay) {
    public LimitSettings {
        if (turnsPerMinute < 0 || concurrentTurns < 0 || tokensPerDay < 0) {
            throw new IllegalStateException("per-user limits must not be negative");
        }
    }

    /** The declared defaults (Setting.LIMIT_*). */
    public static final LimitSettings DEFAULTS = fromEnv(new Env(java.util.Map.of()));

    public static LimitSettings fromEnv(Env env) {
        return new LimitSettings(env.integer(Setting.LIMIT_TURNS_PER_MINUTE), env.integer(Setting.LIMIT_CONCURRENT_TURNS),
                env.longValue(Setting.LIMIT_TOKENS_PER_DAY));
    }
}
