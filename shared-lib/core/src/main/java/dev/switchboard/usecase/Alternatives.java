package dev.switchboard.usecase;

import dev.switchboard.domain.Branch;
import dev.switchboard.domain.Hashes;
import dev.switchboard.domain.Ids;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.Session;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.port.Clock;
import dev.switchboard.port.MessageStore;
import dev.switchboard.port.SessionStore;
import dev.switchboard.protocol.ClientAction;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.ServerEvent;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code regenerate} and {@code editMessage}: a new turn that replaces a branch of the session, admitted like a
 * {@code sendMessage} ({@link TurnAdmission}). What it replaces is kept, marked superseded: here for what is stored
 * already, and again by the worker when the new turn starts (an answer still running now is stored after this).
 * <ul>
 *   <li>regenerate: the new turn's user message is a hidden copy of the question ({@link Branch#answerOf}); the
 *       question stays current, its answer (and earlier regenerated answers) are superseded;</li>
 *   <li>edit: the new turn's user message is the new text ({@link Branch#edits}); the edited message and every
 *       message after it are superseded.</li>
 * </ul>
 * The worker builds the new turn's history from the turns before the replaced one only.
 */
public final class Alternatives {
    private static final Logger LOG = LoggerFactory.getLogger(Alternatives.class);

    private final SessionStore sessions;
    private final MessageStore messages;
    private final TurnAdmission admission;
    private final Ids ids;
    private final Clock clock;

    public Alternatives(SessionStore sessions, MessageStore messages, TurnAdmission admission, Ids ids, Clock clock) {
        this.sessions = sessions;
        this.messages = messages;
        this.admission = admission;
        this.ids = ids;
        this.clock = clock;
    }

    /** {@code turnId} names the session's latest question: its own turn or the latest regenerate of it. */
    public ServerEvent regenerate(String userId, ClientAction.Regenerate r) {
        Optional<Session> found = sessions.get(userId, r.sessionId());
        if (found.isEmpty()) {
            return ServerEvent.Error.sessionNotFound(r.action(), r.sessionId());
        }
        Session session = found.get();
        StoredMessage latest = session.lastTurnId() == null ? null : question(userId, r.sessionId(), session.lastTurnId());
        String origin = latest == null ? null : latest.hiddenCopy() ? latest.branch().answerOf() : latest.turnId();
        if (latest == null || !r.turnId().equals(origin) && !r.turnId().equals(latest.turnId())) {
            return turnNotFound(r.action(), r.sessionId(), r.turnId(), "regenerate answers the latest user message");
        }
        // no clientMessageId: each regenerate is a new turn of its own
        String clientMessageId = "regen-" + ids.newTurnId(clock.millis());
        ServerEvent reply = admission.admit(session, r.action(), clientMessageId, latest.text(),
                Hashes.sha256Hex("regenerate\u0000" + clientMessageId, 16), Branch.answerOf(origin), false);
        if (!(reply instanceof ServerEvent.Accepted a)) {
            return reply;
        }
        int marked = messages.supersede(userId, r.sessionId(), origin, a.turnId(), true);
        LOG.info("regenerate accepted ({} messages superseded)", marked);
        return new ServerEvent.Accepted(a.sessionId(), a.turnId(), null, false, origin, null);
    }

    /** {@code turnId} names a current user message; a resend of an accepted edit is answered as a duplicate. */
    public ServerEvent edit(String userId, ClientAction.EditMessage e) {
        Optional<Session> found = sessions.get(userId, e.sessionId());
        if (found.isEmpty()) {
            return ServerEvent.Error.sessionNotFound(e.action(), e.sessionId());
        }
        Session session = found.get();
        StoredMessage target = question(userId, e.sessionId(), e.turnId());
        boolean resend = e.clientMessageId().equals(session.lastClientMessageId());
        // a hidden copy is no message the user sees; a superseded one was replaced already (by this very edit, on a
        // resend)
        if (target == null || target.hiddenCopy() || target.branch().superseded() && !resend) {
            return turnNotFound(e.action(), e.sessionId(), e.turnId(), "No current user message of that turn");
        }
        String text = SlashCommands.unescape(e.text());
        ServerEvent reply = admission.admit(session, e.action(), e.clientMessageId(), text,
                Hashes.sha256Hex("edit\u0000" + e.turnId() + "\u0000" + e.text(), 16), Branch.edits(e.turnId()),
                false);
        if (!(reply instanceof ServerEvent.Accepted a)) {
            return reply;
        }
        int marked = messages.supersede(userId, e.sessionId(), e.turnId(), a.turnId(), false);
        LOG.info("edit accepted (duplicate={}, {} messages superseded)", a.duplicate(), marked);
        return new ServerEvent.Accepted(a.sessionId(), a.turnId(), a.clientMessageId(), a.duplicate(), null,
                e.turnId());
    }

    /** The user message of {@code turnId} in the session, or null. */
    private StoredMessage question(String userId, String sessionId, String turnId) {
        return StoredMessage.find(messages.recentUpTo(userId, sessionId, turnId, 2), turnId, Role.USER);
    }

    private static ServerEvent turnNotFound(String action, String sessionId, String turnId, String message) {
        return new ServerEvent.Error(ErrorCode.TURN_NOT_FOUND.name(), message, action, sessionId, turnId, null);
    }
}
