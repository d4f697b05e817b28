package dev.switchboard.usecase;

import dev.switchboard.domain.Branch;
import dev.switchboard.domain.Ids;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.Session;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.TurnClaim;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.log.LogContext;
import dev.switchboard.port.Clock;
import dev.switchboard.port.MessageStore;
import dev.switchboard.port.SessionStore;
import dev.switchboard.port.TurnAdmissions;
import dev.switchboard.port.TurnQueue;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.ServerEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admits a new turn into an existing session, the one path of {@code sendMessage}, {@code regenerate} and
 * {@code editMessage}: the session's busy policy, then one write of the per-user limits (rate, running answers,
 * budget), the turn's claim (idempotent on clientMessageId), the user message and the session's mark
 * ({@link TurnAdmissions}), then the enqueue.
 */
public final class TurnAdmission {
    private static final Logger LOG = LoggerFactory.getLogger(TurnAdmission.class);

    private final SessionStore sessions;
    private final MessageStore messages;
    private final TurnQueue queue;
    private final Ids ids;
    private final Clock clock;
    private final TurnLimits limits;
    private final TurnAdmissions admissions;

    /** @param admissions stores a turn's limits, claim, message and mark (with {@code limits}' quota) in one write */
    public TurnAdmission(SessionStore sessions, MessageStore messages, TurnQueue queue, Ids ids, Clock clock,
                         TurnLimits limits, TurnAdmissions admissions) {
        this.sessions = sessions;
        this.messages = messages;
        this.queue = queue;
        this.ids = ids;
        this.clock = clock;
        this.limits = limits;
        this.admissions = admissions;
    }

    /**
     * @param text        the user message stored for the turn (what the model answers)
     * @param fingerprint identifies the request, so a resend is told from a reused clientMessageId
     * @param branch      what the turn replaces ({@link Branch#NONE} for a new message)
     * @param admitted    the limits were taken already (a first message, with its new session)
     * @return {@link ServerEvent.Accepted} or the error to answer
     */
    public ServerEvent admit(Session session, String action, String clientMessageId, String text, String fingerprint,
                             Branch branch, boolean admitted) {
        String userId = session.userId();
        String sessionId = session.sessionId();
        long now = clock.millis();
        // A message arriving while a turn runs (a retry of that very message is not "another" message)
        if (session.busy() && !clientMessageId.equals(session.lastClientMessageId())) {
            switch (session.effectiveBusyPolicy()) {
                case REJECT -> {
                    LOG.info("session busy: message refused");
                    return new ServerEvent.Error(ErrorCode.SESSION_BUSY.name(),
                            "This session is still answering; wait for its done event or cancel it",
                            action, sessionId, session.lastTurnId(), clientMessageId);
                }
                case INTERRUPT -> {
                    sessions.cancelUpTo(userId, sessionId, session.lastTurnId());
                    LOG.info("session busy: running turn interrupted");
                }
                case ENQUEUE -> { }
            }
        }
        boolean retry = clientMessageId.equals(session.lastClientMessageId());
        // only a resend of the turn still pending skips the limits; a resend of a turn that ended (failed and given
        // up, say, after the queue's deduplication window) would call the model again, so it passes them anew
        TurnAdmissions.Quota quota = retry && session.busy() || admitted ? null : limits.quota();
        // a new turn sorts after the session's newest accepted one, even within the same millisecond or when this
        // instance's clock is behind another's (so an interrupt never cancels the interrupting message)
        long idTime = Math.max(now, Ids.millisOf(session.lastTurnId()) + 1);
        // the limits, the claim, the user message and the session's mark in one write; a retry finds the claim and
        // stores nothing of its turn
        TurnClaim claim;
        switch (admissions.admit(userMessage(session, ids.newTurnId(idTime), text, now, branch), clientMessageId,
                fingerprint, quota)) {
            case TurnAdmissions.Admitted a -> claim = a.claim();
            case TurnAdmissions.Claimed c -> claim = c.claim();
            case TurnAdmissions.Refused r -> {
                LOG.info("message refused: a per-user limit is reached");
                return limits.refusal(r.verdict(), sessionId, clientMessageId).orElseThrow();
            }
            case TurnAdmissions.SessionGone g -> {
                // deleted since it was read: nothing of this message was stored, but a first message took its
                // running-answer slot beside its session
                if (admitted) {
                    limits.release(userId, sessionId, clientMessageId);
                }
                LOG.info("session deleted before the message was stored: refused");
                return sessionNotFound(action, sessionId, clientMessageId);
            }
        }
        LogContext.session(sessionId, claim.turnId());
        if (!claim.fresh() && claim.fingerprint() != null && !claim.fingerprint().equals(fingerprint)) {
            LOG.info("clientMessageId reused for a different message: refused");
            return new ServerEvent.Error(ErrorCode.ID_REUSED.name(),
                    "This clientMessageId was already used for a different message; use a new id for each message",
                    action, sessionId, null, clientMessageId);
        }
        if (!claim.fresh()) {
            // On a retry the user message, the mark and the enqueue are repeated, all idempotent, so a retry after a
            // crash between these steps (or of a claim stored alone, before claim and message were one write)
            // completes the turn instead of losing it.
            messages.putIfAbsent(userMessage(session, claim.turnId(), text, claim.createdAtMillis(), branch));
            if (!sessions.markAccepted(userId, sessionId, claim.turnId(), clientMessageId)) {
                // the session was deleted since it was read: take back what the message stored (its claim, the
                // message), so that nothing of it outlives the session (deleteSession deletes the session first)
                messages.deleteSession(userId, sessionId);
                limits.release(userId, sessionId, clientMessageId); // and the running-answer slot it took
                LOG.info("session deleted while the message was stored: taken back");
                return sessionNotFound(action, sessionId, clientMessageId);
            }
        }
        // the session's hold mark as read: the queue holds the turn behind a held one without asking the held jobs
        queue.enqueue(new TurnRequest(userId, sessionId, claim.turnId(), clientMessageId, now, null, null,
                LogContext.correlationId()), session.held() != null);
        LOG.info("turn accepted (duplicate={})", !claim.fresh());
        return new ServerEvent.Accepted(sessionId, claim.turnId(), clientMessageId, !claim.fresh());
    }

    private static ServerEvent sessionNotFound(String action, String sessionId, String clientMessageId) {
        return new ServerEvent.Error(ErrorCode.SESSION_NOT_FOUND.name(), "No such session", action, sessionId, null,
                clientMessageId);
    }

    private static StoredMessage userMessage(Session session, String turnId, String text, long createdAtMillis,
                                             Branch branch) {
        return new StoredMessage(session.userId(), session.sessionId(), turnId, Role.USER, text, createdAtMillis,
                null, null, null, null, branch, null);
    }
}
