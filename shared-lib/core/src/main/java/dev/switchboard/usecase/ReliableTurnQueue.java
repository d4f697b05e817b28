package dev.switchboard.usecase;

import dev.switchboard.domain.TurnRequest;
import dev.switchboard.port.PendingTurns;
import dev.switchboard.port.SessionStore;
import dev.switchboard.port.TurnQueue;
import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The turns queue as the ingress and the worker use it: nothing accepted is lost when the queue refuses a send. A
 * send is tried {@code attempts} times with a doubling backoff; when every try fails the job is held durably in
 * {@link PendingTurns} (so the client's {@code accepted} stays true), and {@link PendingSweep} (the worker, on a schedule)
 * sends it later. Only when the hold fails too does {@link #enqueue} throw, and then the client gets an error and may
 * resend the same clientMessageId safely (the turn is claimed once; every step of a resend is idempotent).
 * <p>
 * Order within a session holds: while a FIFO group holds a job, later jobs of that group are held behind it, and the
 * sweep sends a group's jobs in the order they were held. Whether a group holds a job is one Query on the user's
 * partition before the send, except for a session's turn given its session's hold mark ({@link #enqueue(TurnRequest,
 * boolean)}): with a {@link SessionStore} for the marks, every job of a session's group that is held marks its session
 * first ({@link SessionStore#markHeld}, the job's deduplication id), and {@link PendingSweep} clears the mark after
 * sending the group's last job (only if it still names that job, so a newer hold keeps it). The admission read the
 * session anyway, so the common send asks nothing more. The window this leaves: the mark is read with the session, one
 * request (the admission's write) before the send, where the Query was read just before it; a job of the same session
 * held by another call in between (its own send refused) is not seen, and this job may reach the queue before it, as
 * it could between the Query and the send before. Marking before holding keeps a crash between the two on the safe
 * side: a mark without a held job only holds the next job for one sweep (which clears the mark when it sends it); a
 * held job is never without its mark. Jobs held before marks were kept have none: until the sweep sends them, a new turn
 * of their session may pass them. A user's memory and index jobs need no mark: the worker reads their group's held
 * jobs with the user's standing (one Query it makes anyway, {@link dev.switchboard.port.TurnStanding}), as the turn
 * begins, and passes what it saw to {@link #enqueue(TurnRequest, boolean)} for the turn's memory job. The window that
 * leaves is the turn's length: a job of the user's group held meanwhile by another call (its own send refused) is not
 * seen, and the memory job may reach the queue before it; the two are then extracted out of order (a later fact
 * before an earlier one), nothing is lost. Without that read (the plain {@link #enqueue(TurnRequest)}), the Query
 * asks just before the send.
 * <p>
 * A job the sweep sends again after its first send did reach the queue is dropped by the queue's deduplication within
 * five minutes, and after that by the worker's conditional answer write (one answer per turn id).
 */
public final class ReliableTurnQueue implements TurnQueue {
    private static final Logger LOG = LoggerFactory.getLogger(ReliableTurnQueue.class);
    private final TurnQueue queue;
    private final PendingTurns pending;
    private final int attempts;
    private final long backoffMillis;
    private final LongConsumer sleeper;
    /** Where a held job of a session's group marks its session; empty: no marks, every send asks the held jobs. */
    private final Optional<SessionStore> marks;

    /**
     * @param attempts      sends tried before a job is held (at least 1)
     * @param backoffMillis pause before the second try, doubled before each later one
     * @param sleeper       pauses the calling thread for the given millis ({@code Thread::sleep} in production)
     */
    public ReliableTurnQueue(TurnQueue queue, PendingTurns pending, int attempts, long backoffMillis,
                             LongConsumer sleeper) {
        this(queue, pending, Optional.empty(), attempts, backoffMillis, sleeper);
    }

    /**
     * A queue whose held jobs of a session's group mark their session in {@code sessions}, so that a send given the
     * session's mark ({@link #enqueue(TurnRequest, boolean)}) does not ask the held jobs.
     */
    public ReliableTurnQueue(TurnQueue queue, PendingTurns pending, SessionStore sessions, int attempts,
                             long backoffMillis, LongConsumer sleeper) {
        this(queue, pending, Optional.of(sessions), attempts, backoffMillis, sleeper);
    }

    /** {@link #ReliableTurnQueue(TurnQueue, PendingTurns, SessionStore, int, long, LongConsumer)} with Thread.sleep. */
    public ReliableTurnQueue(TurnQueue queue, PendingTurns pending, SessionStore sessions, int attempts,
                             long backoffMillis) {
        this(queue, pending, Optional.of(sessions), attempts, backoffMillis, ReliableTurnQueue::sleep);
    }

    private ReliableTurnQueue(TurnQueue queue, PendingTurns pending, Optional<SessionStore> marks, int attempts,
                              long backoffMillis, LongConsumer sleeper) {
        if (attempts < 1 || backoffMillis < 0) {
            throw new IllegalArgumentException("attempts must be at least 1 and the backoff not negative");
        }
        this.queue = queue;
        this.pending = pending;
        this.attempts = attempts;
        this.backoffMillis = backoffMillis;
        this.sleeper = sleeper;
        this.marks = marks;
    }

    /** {@link #ReliableTurnQueue(TurnQueue, PendingTurns, int, long, LongConsumer)} pausing with Thread.sleep. */
    public ReliableTurnQueue(TurnQueue queue, PendingTurns pending, int attempts, long backoffMillis) {
        this(queue, pending, attempts, backoffMillis, ReliableTurnQueue::sleep);
    }

    @Override
    public void enqueue(TurnRequest job) {
        send(job, pending.holds(job.userId(), job.groupId()));
    }

    /**
     * A user's job is held when {@code groupHeld} (the caller read the group's held jobs themselves); a session's turn
     * when its session's mark was read, or, without marks, when the held jobs are there now (asked, as {@link
     * #enqueue(TurnRequest)} does).
     */
    @Override
    public void enqueue(TurnRequest job, boolean groupHeld) {
        send(job, !job.runsTurn() || marks.isPresent() ? groupHeld : pending.holds(job.userId(), job.groupId()));
    }

    private void send(TurnRequest job, boolean behindHeld) {
        if (behindHeld) {
            hold(job);
            LOG.info("job held behind an earlier job of its group that is not queued yet");
            return;
        }
        RuntimeException failure = trySend(job);
        if (failure == null) {
            return;
        }
        try {
            hold(job);
        } catch (RuntimeException holdFailed) {
            failure.addSuppressed(holdFailed);
            throw failure;
        }
        LOG.warn("queue refused the job {} times ({}): held for the sweep", attempts,
                failure.getClass().getSimpleName());
    }

    /** Holds the job for the sweep, its session marked first (see the class comment). */
    void hold(TurnRequest job) {
        if (job.runsTurn()) {
            marks.ifPresent(m -> m.markHeld(job.userId(), job.sessionId(), job.deduplicationId()));
        }
        pending.hold(job);
    }

    /** After the sweep sent {@code last}, its group's last held job: its session's mark goes if it still names it. */
    void sent(TurnRequest last) {
        if (last.runsTurn()) {
            marks.ifPresent(m -> m.clearHeld(last.userId(), last.sessionId(), last.deduplicationId()));
        }
    }

    /** @return null when the job was sent (tried as {@link #enqueue} tries), else the last failure */
    RuntimeException trySend(TurnRequest job) {
        RuntimeException last = null;
        long pause = backoffMillis;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            try {
                queue.enqueue(job);
                return null;
            } catch (RuntimeException e) {
                last = e;
                if (attempt < attempts) {
                    sleeper.accept(pause);
                    pause *= 2;
                }
            }
        }
        return last;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to resend to the queue", e);
        }
    }
}
