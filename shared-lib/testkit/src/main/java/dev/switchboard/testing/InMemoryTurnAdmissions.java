package dev.switchboard.testing;

import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.TurnClaim;
import dev.switchboard.port.TurnAdmissions;
import dev.switchboard.port.UserQuotas.Verdict;

/**
 * Test-only {@link TurnAdmissions} over the in-memory stores, atomic as the DynamoDB adapter's one transaction: every
 * condition is checked, then everything written, while holding the three stores' locks (so none of their own
 * synchronized writes comes in between).
 */
public final class InMemoryTurnAdmissions implements TurnAdmissions {
    private final InMemorySessionStore sessions;
    private final InMemoryMessageStore messages;
    private final InMemoryUserQuotas quotas;

    public InMemoryTurnAdmissions(InMemorySessionStore sessions, InMemoryMessageStore messages,
                                  InMemoryUserQuotas quotas) {
        this.sessions = sessions;
        this.messages = messages;
        this.quotas = quotas;
    }

    @Override
    public Outcome admit(StoredMessage message, String clientMessageId, String fingerprint, Quota quota) {
        synchronized (quotas) {
            synchronized (messages) {
                synchronized (sessions) {
                    return admitLocked(message, clientMessageId, fingerprint, quota);
                }
            }
        }
    }

    private Outcome admitLocked(StoredMessage message, String clientMessageId, String fingerprint, Quota quota) {
        String userId = message.userId();
        String sessionId = message.sessionId();
        long now = message.createdAtMillis();
        TurnClaim earlier = messages.claimOf(userId, sessionId, clientMessageId);
        if (earlier != null) {
            Verdict verdict = quota == null ? Verdict.OK : quota.takeFrom(quotas, userId, sessionId, clientMessageId,
                    now);
            return verdict == Verdict.OK ? new Claimed(earlier) : new Refused(verdict);
        }
        if (sessions.get(userId, sessionId).isEmpty()) {
            return new SessionGone();
        }
        if (quota != null) {
            Verdict verdict = quotas.check(userId, sessionId, now, quota);
            if (verdict != Verdict.OK) {
                return new Refused(verdict);
            }
            quota.takeFrom(quotas, userId, sessionId, clientMessageId, now);
        }
        TurnClaim claim = messages.claimTurnWithMessage(message, clientMessageId, fingerprint);
        sessions.markAccepted(userId, sessionId, claim.turnId(), clientMessageId);
        return new Admitted(claim);
    }
}
