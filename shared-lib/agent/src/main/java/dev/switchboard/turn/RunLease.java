package dev.switchboard.turn;

import dev.switchboard.domain.RunClaim;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.port.Clock;
import dev.switchboard.port.SessionStore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The session's run claim: taken for a turn until the invocation's end, waited for while another run holds it. */
final class RunLease {
    private static final Logger LOG = LoggerFactory.getLogger(RunLease.class);

    private final SessionStore sessions;
    private final Clock clock;
    private final long pollMillis;

    /** @param pollMillis the longest wait between two tries while another run holds the claim */
    RunLease(SessionStore sessions, Clock clock, long pollMillis) {
        this.sessions = sessions;
        this.clock = clock;
        this.pollMillis = pollMillis;
    }

    /**
     * Claims the session's run for the turn until {@code invocationEnd}. While another live run holds it (this
     * delivery came back before that run ended), waits until that run ends or its claim lapses; a wait that would
     * reach into the last {@code reserveMillis} of the invocation gives up ({@link TurnHeldException}).
     */
    RunClaim claim(TurnRequest request, long invocationEnd, long reserveMillis) {
        // the wait is bounded on the monotonic clock; claims compare wall-clock times (they are shared across workers)
        long waitEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(invocationEnd - reserveMillis - clock.millis());
        boolean waited = false;
        while (true) {
            long now = clock.millis();
            RunClaim claim = sessions.claimRun(request.userId(), request.sessionId(), request.turnId(), now,
                    invocationEnd);
            if (claim.status() != RunClaim.Status.HELD) {
                return claim;
            }
            long wait = Math.min(pollMillis, Math.max(1, claim.heldUntil() - now + 1));
            if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(wait) > waitEnd) {
                throw new TurnHeldException("another run holds the session until " + claim.heldUntil());
            }
            if (!waited) {
                LOG.info("another run holds the session until {}; waiting for it", claim.heldUntil());
                waited = true;
            }
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TurnHeldException("interrupted while waiting for another run");
            }
        }
    }

    /**
     * Best effort: a failed run lets the queue's next delivery claim the session at once. A run stopped by an
     * interrupt (its environment shutting down) still releases: the SDK aborts calls made on an interrupted thread,
     * so the flag is cleared for the release and set again after it.
     */
    void release(TurnRequest request, long attempt) {
        boolean interrupted = Thread.interrupted();
        try {
            sessions.releaseRun(request.userId(), request.sessionId(), attempt);
        } catch (RuntimeException e) {
            LOG.warn("could not release the run claim (it lapses by itself): {}", e.getClass().getSimpleName());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
