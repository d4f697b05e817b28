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

    /**
     * Sets the title only while it is still {@code expectedTitle} (a generated title never overwrites a rename that
     * came first).
     *
     * @return the updated session, or empty when it does not exist or its title is another
     */
    Optional<Session> retitle(String userId, String sessionId, String expectedTitle, String title);

    /**
     * Records that the queue holds the job {@code jobId} (its deduplication id) of the session's FIFO group for the
     * sweep ({@link Session#held()}; the newest hold's id replaces an older one).
     *
     * @return false when the session does not exist (nothing is written)
     */
    boolean markHeld(String userId, String sessionId, String jobId);

    /** Clears {@link Session#held()} if it is still {@code jobId} (a newer hold keeps its mark). */
    void clearHeld(String userId, String sessionId, String jobId);

    /** Records {@code turnId} as the session's newest accepted turn (kept when a newer one is recorded). @return false when the session does not exist */
    boolean markAccepted(String userId, String sessionId, String turnId, String clientMessageId);

    /**
     * The worker is done with {@code turnId} (answered, cancelled or paused); also sets updatedAt, unless a newer turn
     * is settled already. @return false when the session does not exist
     */
    default boolean markSettled(String userId, String sessionId, String turnId, long updatedAtMillis) {
        return settle(userId, sessionId, turnId, updatedAtMillis).isPresent();
    }

    /**
     * {@link #markSettled} that also ends the session's run claim and takes its pending resume requests: one write.
     *
     * @return the session as it was before (its {@code resumes} are the requests taken), or empty when it does not exist
     */
    Optional<Session> settle(String userId, String sessionId, String turnId, long updatedAtMillis);

    /**
     * Claims the session's run for {@code turnId} until {@code untilMillis} (the claimer's invocation deadline, so a
     * dead claimer's claim lapses by itself) unless another claim is still live at {@code nowMillis}. One write, which
     * also returns the session.
     */
    dev.switchboard.domain.RunClaim claimRun(String userId, String sessionId, String turnId, long nowMillis,
                                             long untilMillis);

    /** Ends run claim {@code attempt} early (its run failed and will be retried); nothing when another claim holds it. */
    void releaseRun(String userId, String sessionId, long attempt);

    /**
     * Records that a reconnected connection waits for the rest of a running turn (see {@link Session#resumes()}).
     *
     * @return false when the session does not exist or has {@link #MAX_RESUMES} requests waiting already
     */
    boolean requestResume(String userId, String sessionId, dev.switchboard.domain.ResumeRequest request);

    /** Most resume requests one session holds at once (they are taken when the turn settles). */
    int MAX_RESUMES = 20;

    /** Cancels every turn of the session up to and including {@code turnId}. @return false when the session does not exist */
    boolean cancelUpTo(String userId, String sessionId, String turnId);

    Page<Session> list(String userId, int limit, String cursor);

    /** @return true when the session existed */
    boolean delete(String userId, String sessionId);
}
