package dev.switchboard.turn;

import dev.switchboard.domain.ResumeStatus;
import dev.switchboard.domain.Session;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.port.SessionStore;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The poll while the model streams: reads the session once for a cancel and for connections asking to resume. */
final class CancelPoll {
    private static final Logger LOG = LoggerFactory.getLogger(CancelPoll.class);

    private final SessionStore sessions;

    CancelPoll(SessionStore sessions) {
        this.sessions = sessions;
    }

    /** Serves the resumes asked for; @return true when the turn was cancelled (or its session deleted) */
    boolean cancelled(RunningTurn turn) {
        TurnRequest request = turn.request();
        try {
            Optional<Session> session = sessions.get(request.userId(), request.sessionId());
            session.ifPresent(s -> turn.output().serveResumes(s.resumes(), ResumeStatus.RUNNING));
            return session.map(s -> s.cancelled(request.turnId())).orElse(true);
        } catch (RuntimeException e) {
            LOG.warn("could not check for a cancel: {}", e.getClass().getSimpleName());
            return false;
        }
    }
}
