package dev.switchboard.port;

import dev.switchboard.domain.Page;
import dev.switchboard.domain.Session;
import java.util.Optional;

public interface SessionStore {
    Optional<Session> get(String userId, String sessionId);

    /** Creates the session unless it exists; returns the stored one either way. */
    Session createIfAbsent(Session session);

    /** Sets updatedAt; never re-creates a deleted session. @return false when the session does not exist */
    boolean touch(String userId, String sessionId, long updatedAtMillis);

    Page<Session> list(String userId, int limit, String cursor);

    /** @return true when the session existed */
    boolean delete(String userId, String sessionId);
}
