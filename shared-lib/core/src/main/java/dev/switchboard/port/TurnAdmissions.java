package dev.switchboard.port;

import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.TurnClaim;

/**
 * Admits a turn into an existing session in one atomic write where the store can: the per-user limits (the turn
 * counted in its minute, the session's running-answer slot), the turn's claim (binding the clientMessageId to the
 * turn), its user message and the session's mark of its newest accepted turn. Either all of them are stored or none
 * is, and the outcome says why not.
 */
public interface TurnAdmissions {
    /**
     * The per-user limits a turn must pass (a limit of 0 is not checked; with {@code slots} 0 no running-answer slot
     * is taken). The turn is counted in its minute even when no limit is set, as {@link UserQuotas#tryStartTurn} does.
     */
    record Quota(int turnsPerMinute, long tokensPerDay, int slots, long holdMillis) {
        /** Checks and takes these limits in {@code quotas} on their own (the slot only with {@code slots} &gt; 0). */
        public UserQuotas.Verdict takeFrom(UserQuotas quotas, String userId, String sessionId, String clientMessageId,
                                           long nowMillis) {
            return slots > 0
                    ? quotas.tryStartTurnWithSlot(userId, sessionId, clientMessageId, nowMillis, turnsPerMinute,
                            tokensPerDay, slots, holdMillis)
                    : quotas.tryStartTurn(userId, nowMillis, turnsPerMinute, tokensPerDay);
        }
    }

    /** What became of an admission. */
    sealed interface Outcome {}

    /** Everything was stored: the claim (fresh), the message, the mark and the limits' count and slot. */
    record Admitted(TurnClaim claim) implements Outcome {}

    /**
     * The clientMessageId was claimed before (a retry, or a reused id: compare the fingerprints): nothing of the turn
     * was stored; {@code claim} is the earlier one (fresh = false). With a quota the limits were still checked and
     * taken, and a limit reached is the outcome instead (the caller passes a quota for a resend only when it must
     * pass the limits, as a resend of a turn that ended calls the model again).
     */
    record Claimed(TurnClaim claim) implements Outcome {}

    /** A limit is reached ({@code verdict} says which, never {@code OK}): nothing was stored. */
    record Refused(UserQuotas.Verdict verdict) implements Outcome {}

    /** The session does not exist (deleted since it was read): nothing was stored. */
    record SessionGone() implements Outcome {}

    /**
     * Admits the turn of {@code message} (a user message; its turn id is the candidate, its {@code createdAtMillis}
     * the claim's time and the limits' now) for {@code clientMessageId}. A claim found stored comes before the session's
     * existence: the caller completes a retry from the earlier claim.
     *
     * @param quota the limits to check and take, or null when none are (limits off, or taken already)
     */
    Outcome admit(StoredMessage message, String clientMessageId, String fingerprint, Quota quota);
}
