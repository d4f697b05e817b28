package dev.switchboard.usecase;

import dev.switchboard.config.LimitSettings;
import dev.switchboard.port.SessionStore;
import dev.switchboard.port.UserQuotas;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.ServerEvent;
import java.util.Optional;

/**
 * The per-user limits a new message must pass before anything is stored or queued: turns per minute, turns running
 * at once (sessions with an unsettled turn), tokens per day. A limit of 0 is off. Beyond a limit the user gets a
 * {@code LIMIT_REACHED} error saying which, and the model is not called.
 */
public final class TurnLimits {
    public static final int DEFAULT_TURNS_PER_MINUTE = LimitSettings.DEFAULTS.turnsPerMinute();
    public static final int DEFAULT_CONCURRENT_TURNS = LimitSettings.DEFAULTS.concurrentTurns();
    public static final long DEFAULT_TOKENS_PER_DAY = LimitSettings.DEFAULTS.tokensPerDay();

    public static final TurnLimits NONE = new TurnLimits(null, null, 0, 0, 0);

    private final UserQuotas quotas;
    private final SessionStore sessions;
    private final int turnsPerMinute;
    private final int concurrentTurns;
    private final long tokensPerDay;

    public TurnLimits(UserQuotas quotas, SessionStore sessions, int turnsPerMinute, int concurrentTurns,
                      long tokensPerDay) {
        this(quotas, sessions, new LimitSettings(turnsPerMinute, concurrentTurns, tokensPerDay));
    }

    /** @param limits refuses negative values itself */
    public TurnLimits(UserQuotas quotas, SessionStore sessions, LimitSettings limits) {
        this.quotas = quotas;
        this.sessions = sessions;
        this.turnsPerMinute = limits.turnsPerMinute();
        this.concurrentTurns = limits.concurrentTurns();
        this.tokensPerDay = limits.tokensPerDay();
    }

    /**
     * Checks the limits for a new message of {@code userId} in {@code sessionId} and, when it passes, counts it.
     *
     * @param sessionBusy whether that session already has a turn running (it is counted among the running ones)
     */
    public Optional<ServerEvent> admit(String userId, String sessionId, boolean sessionBusy, long nowMillis) {
        if (quotas == null) {
            return Optional.empty();
        }
        if (concurrentTurns > 0 && !sessionBusy && sessions.countBusy(userId) >= concurrentTurns) {
            return refuse(sessionId, "You have " + concurrentTurns
                    + " answers running already; wait for one to finish or cancel it");
        }
        return switch (quotas.tryStartTurn(userId, nowMillis, turnsPerMinute, tokensPerDay)) {
            case OK -> Optional.empty();
            case TURNS_PER_MINUTE -> refuse(sessionId, "At most " + turnsPerMinute
                    + " messages per minute; try again in a minute");
            case TOKENS_PER_DAY -> refuse(sessionId, "Today's budget of " + tokensPerDay
                    + " tokens is used up; it renews at midnight UTC");
        };
    }

    /**
     * Adds an answer's {@code tokens} to the user's daily budget. Without a quota store (limits off) nothing is
     * counted.
     */
    public void charge(String userId, long nowMillis, long tokens) {
        if (quotas != null) {
            quotas.addTokens(userId, nowMillis, tokens);
        }
    }

    private static Optional<ServerEvent> refuse(String sessionId, String message) {
        return Optional.of(new ServerEvent.Error(ErrorCode.LIMIT_REACHED.name(), message, "sendMessage", sessionId,
                null, null));
    }
}
