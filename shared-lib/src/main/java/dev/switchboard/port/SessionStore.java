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

    /**
     * Changes the session's settings; a null argument leaves that setting as it is, an empty string clears it.
     *
     * @return the updated session, or empty when it does not exist
     */
    Optional<Session> update(String userId, String sessionId, String title, String model, String systemPrompt,
                             dev.switchboard.domain.BusyPolicy busyPolicy);

    /** Records {@code turnId} as the session's newest accepted turn (kept when a newer one is recorded). @return false when the session does not exist */
    boolean markAccepted(String userId, String sessionId, String turnId, String clientMessageId);

    /**
     * The worker is done with {@code turnId} (answered, cancelled or paused); also sets updatedAt, unless a newer turn
     * is settled already. @return false when the session does not exist
     */
    boolean markSettled(String userId, String sessionId, String turnId, long updatedAtMillis);

    /** Cancels every turn of the session up to and including {@code turnId}. @return false when the session does not exist */
    boolean cancelUpTo(String userId, String sessionId, String turnId);

    /** How many of the user's sessions have an accepted turn the worker has not finished with (one Query). */
    int countBusy(String userId);

    Page<Session> list(String userId, int limit, String cursor);

    /** @return true when the session existed */
    boolean delete(String userId, String sessionId);
}
