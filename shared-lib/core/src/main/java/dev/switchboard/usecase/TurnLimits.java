package dev.switchboard.usecase;

import dev.switchboard.config.LimitSettings;
import dev.switchboard.port.TurnAdmissions;
import dev.switchboard.port.UserQuotas;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.ServerEvent;
import java.util.Optional;

/**
 * The per-user limits. A new message must pass them before anything is stored or queued: turns per minute, answers
 * running at once (one slot per session with an unfinished turn, taken atomically), tokens per day. A limit of 0 is
 * off. Beyond a limit the user gets a {@code LIMIT_REACHED} error saying which, and the model is not called. A later
 * turn of a session has its limits checked and taken in the same write as its claim and message ({@link #quota},
 * {@link TurnAdmissions}), so a refused message is not counted in its minute; the first message of a new session
 * takes them with {@link #admit}, beside its session. The worker
 * asks {@link #budgetLeft} before every model call and {@link #charge}s each call's tokens, once per call; it
 * {@link #release}s the slot when the turn ends, however it ends.
 */
public final class TurnLimits {
    public static final int DEFAULT_TURNS_PER_MINUTE = LimitSettings.DEFAULTS.turnsPerMinute();
    public static final int DEFAULT_CONCURRENT_TURNS = LimitSettings.DEFAULTS.concurrentTurns();
    public static final long DEFAULT_TOKENS_PER_DAY = LimitSettings.DEFAULTS.tokensPerDay();
    /**
     * How long a running-answer slot is held at most: longer than the worker's visibility timeout (540 s, so a turn
     * waiting for one redelivery still counts), and the bound on how long a worker that died without releasing its
     * slot keeps it from the user.
     */
    public static final long SLOT_HOLD_MILLIS = 15 * 60_000;

    public static final TurnLimits NONE = new TurnLimits(null, new LimitSettings(0, 0, 0));

    private final UserQuotas quotas;
    private final int turnsPerMinute;
    private final int concurrentTurns;
    private final long tokensPerDay;

    public TurnLimits(UserQuotas quotas, int turnsPerMinute, int concurrentTurns, long tokensPerDay) {
        this(quotas, new LimitSettings(turnsPerMinute, concurrentTurns, tokensPerDay));
    }

    /** @param limits refuses negative values itself */
    public TurnLimits(UserQuotas quotas, LimitSettings limits) {
        this.quotas = quotas;
        this.turnsPerMinute = limits.turnsPerMinute();
        this.concurrentTurns = limits.concurrentTurns();
        this.tokensPerDay = limits.tokensPerDay();
    }

    /**
     * Checks the limits for the message {@code clientMessageId} of {@code userId} in {@code sessionId} and, when it
     * passes, counts it in its minute and gives the session's running-answer slot to it, on its own (the first message
     * of a new session, before the session is created). A message refused for the running answers has been counted in
     * its minute.
     */
    public Optional<ServerEvent> admit(String userId, String sessionId, String clientMessageId, long nowMillis) {
        return refusal(take(userId, sessionId, clientMessageId, nowMillis), sessionId, clientMessageId);
    }

    /** {@link #admit}'s writes, and which limit refused the message ({@code OK} when none did). */
    UserQuotas.Verdict take(String userId, String sessionId, String clientMessageId, long nowMillis) {
        return quotas == null ? UserQuotas.Verdict.OK
                : quota().takeFrom(quotas, userId, sessionId, clientMessageId, nowMillis);
    }

    /** The limits a {@link TurnAdmissions} write checks and takes; null when limits are off (no quota store). */
    public TurnAdmissions.Quota quota() {
        return quotas == null ? null
                : new TurnAdmissions.Quota(turnsPerMinute, tokensPerDay, concurrentTurns, SLOT_HOLD_MILLIS);
    }

    /** The user's {@code LIMIT_REACHED} error for {@code verdict}; empty for {@code OK}. */
    public Optional<ServerEvent> refusal(UserQuotas.Verdict verdict, String sessionId, String clientMessageId) {
        return switch (verdict) {
            case OK -> Optional.empty();
            case TURNS_PER_MINUTE -> refuse(sessionId, clientMessageId, "At most " + turnsPerMinute
                    + " messages per minute; try again in a minute");
            case TOKENS_PER_DAY -> refuse(sessionId, clientMessageId, budgetSpent());
            case RUNNING_ANSWERS -> refuse(sessionId, clientMessageId, "You have " + concurrentTurns
                    + " answers running already; wait for one to finish or cancel it");
        };
    }

    /** Ends the running-answer slot of the session's turn of {@code clientMessageId} (if it still holds it). */
    public void release(String userId, String sessionId, String clientMessageId) {
        if (quotas != null && concurrentTurns > 0 && clientMessageId != null) {
            quotas.releaseSlot(userId, sessionId, clientMessageId);
        }
    }

    /** Whether the user may still call the model today (asked before every call; without a daily limit, always). */
    public boolean budgetLeft(String userId, long nowMillis) {
        return quotas == null || tokensPerDay == 0 || quotas.tokensUsed(userId, nowMillis) < tokensPerDay;
    }

    /** {@link #budgetLeft(String, long)} for the day's tokens read already ({@code TurnStanding}). */
    public boolean budgetLeft(long tokensUsedToday) {
        return quotas == null || tokensPerDay == 0 || tokensUsedToday < tokensPerDay;
    }

    /**
     * Adds one model call's {@code tokens} to the user's daily budget, once per {@code callId}. Without a quota store
     * (limits off) nothing is counted.
     *
     * @return false when the call was charged already (or nothing is counted)
     */
    public boolean charge(String userId, String callId, long nowMillis, long tokens) {
        return quotas != null && quotas.charge(userId, callId, nowMillis, tokens);
    }

    /**
     * {@link #charge} and {@link #release} in one write where the store can (a turn's last model call, as the turn
     * ends); without slots, or for a job that holds none (a resume after tool decisions has no clientMessageId), only
     * the charge.
     *
     * @return false when the call was charged already (or nothing is counted)
     */
    public boolean chargeAndRelease(String userId, String callId, long nowMillis, long tokens, String sessionId,
                                    String clientMessageId) {
        if (quotas == null) {
            return false;
        }
        return concurrentTurns > 0 && clientMessageId != null
                ? quotas.chargeAndReleaseSlot(userId, callId, nowMillis, tokens, sessionId, clientMessageId)
                : quotas.charge(userId, callId, nowMillis, tokens);
    }

    /** The user's message when the day's tokens are used up. */
    public String budgetSpent() {
        return "Today's budget of " + tokensPerDay + " tokens is used up; it renews at midnight UTC";
    }

    private static Optional<ServerEvent> refuse(String sessionId, String clientMessageId, String message) {
        return Optional.of(new ServerEvent.Error(ErrorCode.LIMIT_REACHED.name(), message, "sendMessage", sessionId,
                null, clientMessageId));
    }
}
