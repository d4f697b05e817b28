package dev.switchboard.usecase;

import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.TurnClaim;
import dev.switchboard.port.MessageStore;
import dev.switchboard.port.SessionStore;
import dev.switchboard.port.TurnAdmissions;
import dev.switchboard.port.UserQuotas;

/**
 * {@link TurnAdmissions} over the separate ports, for stores that cannot write across them in one request: the
 * limits, then the claim with its message, then the session's mark, one after the other. A message refused for the
 * running answers has been counted in its minute, and a claim found stored is answered after the limits were taken
 * (as a retry's caller skips the limits itself when its turn is pending). When the session is gone at the mark, what
 * the message stored is taken back: its claim and message (with the session's other items, which its deletion
 * deletes too) and the slot it took.
 */
public final class StepwiseAdmissions implements TurnAdmissions {
    private final SessionStore sessions;
    private final MessageStore messages;
    private final TurnLimits limits;

    /** @param limits the limits whose {@link TurnLimits#quota} the callers pass */
    public StepwiseAdmissions(SessionStore sessions, MessageStore messages, TurnLimits limits) {
        this.sessions = sessions;
        this.messages = messages;
        this.limits = limits;
    }

    @Override
    public Outcome admit(StoredMessage message, String clientMessageId, String fingerprint, Quota quota) {
        String userId = message.userId();
        String sessionId = message.sessionId();
        if (quota != null) {
            UserQuotas.Verdict verdict = limits.take(userId, sessionId, clientMessageId, message.createdAtMillis());
            if (verdict != UserQuotas.Verdict.OK) {
                return new Refused(verdict);
            }
        }
        TurnClaim claim = messages.claimTurnWithMessage(message, clientMessageId, fingerprint);
        if (!claim.fresh()) {
            return new Claimed(claim);
        }
        if (!sessions.markAccepted(userId, sessionId, claim.turnId(), clientMessageId)) {
            messages.deleteSession(userId, sessionId);
            limits.release(userId, sessionId, clientMessageId);
            return new SessionGone();
        }
        return new Admitted(claim);
    }
}
