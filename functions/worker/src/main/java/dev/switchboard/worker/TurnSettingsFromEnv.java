package dev.switchboard.worker;

import dev.switchboard.config.Env;
import dev.switchboard.config.Setting;
import dev.switchboard.turn.TurnSettings;

/** Reads the turn engine's settings from the worker's environment, refusing values out of range (naming the variable). */
final class TurnSettingsFromEnv {
    private TurnSettingsFromEnv() {}

    /** @throws IllegalStateException for a value out of range */
    static TurnSettings read(Env env) {
        int flushMillis = env.integer(Setting.DELTA_FLUSH_MILLIS);
        // unset, the cap is its default but at least the first interval
        int maxFlushMillis = env.optional(Setting.DELTA_FLUSH_MAX_MILLIS).isPresent()
                ? env.integer(Setting.DELTA_FLUSH_MAX_MILLIS)
                : Math.max(env.integer(Setting.DELTA_FLUSH_MAX_MILLIS), flushMillis);
        return checked(new TurnSettings(env.integer(Setting.HISTORY_WINDOW), flushMillis, maxFlushMillis,
                env.integer(Setting.DELTA_MAX_BYTES), env.integer(Setting.MAX_RECEIVE_COUNT),
                env.integer(Setting.CANCEL_POLL_MILLIS), env.integer(Setting.MAX_TOOL_ROUNDS),
                env.integer(Setting.RUN_MAX_HANDOFFS), env.integer(Setting.RUN_MAX_SECONDS) * 1000L));
    }

    /** @return {@code s} when each of its values is in its setting's range, and the cap is at least the first wait */
    static TurnSettings checked(TurnSettings s) {
        Setting.DELTA_FLUSH_MILLIS.requireInRange(s.flushMillis());
        Setting.DELTA_FLUSH_MAX_MILLIS.requireInRange(s.maxFlushMillis());
        if (s.maxFlushMillis() < s.flushMillis()) {
            throw new IllegalStateException("DELTA_FLUSH_MAX_MILLIS must be from DELTA_FLUSH_MILLIS ("
                    + s.flushMillis() + ") to " + Setting.DELTA_FLUSH_MAX_MILLIS.max() + ", got " + s.maxFlushMillis());
        }
        Setting.DELTA_MAX_BYTES.requireInRange(s.maxDeltaBytes());
        Setting.HISTORY_WINDOW.requireInRange(s.historyWindow());
        Setting.CANCEL_POLL_MILLIS.requireInRange(s.cancelPollMillis());
        Setting.MAX_TOOL_ROUNDS.requireInRange(s.maxToolRounds());
        Setting.MAX_RECEIVE_COUNT.requireInRange(s.maxReceiveCount());
        Setting.RUN_MAX_HANDOFFS.requireInRange(s.maxHandoffs());
        Setting.RUN_MAX_SECONDS.requireInRange(s.runMaxMillis() / 1000);
        // the turns queue's maxReceiveCount has SQS's bound, MAX_RECEIVE_COUNT's largest value
        if (s.queueMaxReceiveCount() > Setting.MAX_RECEIVE_COUNT.max()) {
            throw new IllegalStateException("MAX_RECEIVE_COUNT + RUN_MAX_HANDOFFS (the turns queue's maxReceiveCount)"
                    + " must be at most " + Setting.MAX_RECEIVE_COUNT.max() + ", got " + s.queueMaxReceiveCount());
        }
        return s;
    }
}
