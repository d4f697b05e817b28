package dev.switchboard.usecase;

import dev.switchboard.domain.TurnRequest;
import dev.switchboard.port.PendingTurns;
import dev.switchboard.port.TurnQueue;
import java.util.List;
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
 * Order within a session holds: while a FIFO group holds a job, later jobs of that group are held behind it (one
 * Query on the user's partition per send), and the sweep sends a group's jobs in the order they were held. A job the
 * sweep sends again after its first send did reach the queue is dropped by the queue's deduplication within five
 * minutes, and after that by the worker's conditional answer write (one answer per turn id).
 */
public final class ReliableTurnQueue implements TurnQueue {
    private static final Logger LOG = LoggerFactory.getLogger(ReliableTurnQueue.class);
    private final TurnQueue queue;
    private final PendingTurns pending;
    private final int attempts;
    private final long backoffMillis;
    private final LongConsumer sleeper;

    /**
     * @param attempts      sends tried before a job is held (at least 1)
     * @param backoffMillis pause before the second try, doubled before each later one
     * @param sleeper       pauses the calling thread for the given millis ({@code Thread::sleep} in production)
     */
    public ReliableTurnQueue(TurnQueue queue, PendingTurns pending, int attempts, long backoffMillis,
                             LongConsumer sleeper) {
        if (attempts < 1 || backoffMillis < 0) {
            throw new IllegalArgumentException("attempts must be at least 1 and the backoff not negative");
        }
        this.queue = queue;
        this.pending = pending;
        this.attempts = attempts;
        this.backoffMillis = backoffMillis;
        this.sleeper = sleeper;
    }

    /** {@link #ReliableTurnQueue(TurnQueue, PendingTurns, int, long, LongConsumer)} pausing with Thread.sleep. */
    public ReliableTurnQueue(TurnQueue queue, PendingTurns pending, int attempts, long backoffMillis) {
        this(queue, pending, attempts, backoffMillis, ReliableTurnQueue::sleep);
    }

    @Override
    public void enqueue(TurnRequest job) {
        if (pending.holds(job.userId(), job.groupId())) {
            pending.hold(job);
            LOG.info("job held behind an earlier job of its group that is not queued yet");
            return;
        }
        RuntimeException failure = trySend(job);
        if (failure == null) {
            return;
        }
        try {
            pending.hold(job);
        } catch (RuntimeException holdFailed) {
            failure.addSuppressed(holdFailed);
            throw failure;
        }
        LOG.warn("queue refused the job {} times ({}): held for the sweep", attempts,
                failure.getClass().getSimpleName());
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
