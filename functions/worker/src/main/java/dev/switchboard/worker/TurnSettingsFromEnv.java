package dev.switchboard.worker;

import dev.switchboard.config.Env;
import dev.switchboard.turn.TurnSettings;

/** Reads the turn engine's settings from the worker's environment, refusing values out of range (naming the variable). */
final class TurnSettingsFromEnv {
    private TurnSettingsFromEnv() {}

    /** @throws IllegalStateException for a value out of range */
    static TurnSettings read(Env env) {
        int flushMillis = env.getInt(Env.DELTA_FLUSH_MILLIS, 100);
        return checked(new TurnSettings(env.getInt(Env.HISTORY_WINDOW, 20), flushMillis,
                env.getInt(Env.DELTA_FLUSH_MAX_MILLIS, Math.max(600, flushMillis)),
                env.getInt(Env.DELTA_MAX_BYTES, 2048), env.getInt(Env.MAX_RECEIVE_COUNT, 3),
                env.getInt(Env.CANCEL_POLL_MILLIS, 250), env.getInt(Env.MAX_TOOL_ROUNDS, 5)));
    }

    /** @return {@code s} when each of its values is in range */
    static TurnSettings checked(TurnSettings s) {
        if (s.flushMillis() < 0 || s.flushMillis() > 10_000) {
            throw new IllegalStateException("DELTA_FLUSH_MILLIS must be from 0 to 10000, got " + s.flushMillis());
        }
        if (s.maxFlushMillis() < s.flushMillis() || s.maxFlushMillis() > 10_000) {
            throw new IllegalStateException("DELTA_FLUSH_MAX_MILLIS must be from DELTA_FLUSH_MILLIS ("
                    + s.flushMillis() + ") to 10000, got " + s.maxFlushMillis());
        }
        if (s.maxDeltaBytes() < 64 || s.maxDeltaBytes() > 4096) {
            throw new IllegalStateException("DELTA_MAX_BYTES must be from 64 to 4096, got " + s.maxDeltaBytes());
        }
        if (s.historyWindow() < 0 || s.historyWindow() > 200) {
            throw new IllegalStateException("HISTORY_WINDOW must be from 0 to 200, got " + s.historyWindow());
        }
        if (s.cancelPollMillis() < 50 || s.cancelPollMillis() > 5_000) {
            throw new IllegalStateException("CANCEL_POLL_MILLIS must be from 50 to 5000, got "
                    + s.cancelPollMillis());
        }
        if (s.maxToolRounds() < 0 || s.maxToolRounds() > 20) {
            throw new IllegalStateException("MAX_TOOL_ROUNDS must be from 0 to 20, got " + s.maxToolRounds());
        }
        return s;
    }
}
