package dev.switchboard.usecase;

import dev.switchboard.domain.TurnRequest;
import dev.switchboard.port.PendingTurns;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the queue jobs {@link ReliableTurnQueue} held because the queue refused them: group by group, in the order
 * held; a group whose send is refused again stays held (with the jobs behind it) for the next sweep. The worker runs it
 * on an empty batch, which template.yaml's {@code PendingSweep} schedule sends every minute. After a session's group's
 * last held job is sent, the session's hold mark is cleared if it still names that job.
 */
public final class PendingSweep {
    private static final Logger LOG = LoggerFactory.getLogger(PendingSweep.class);
    /** Groups one sweep handles at most (the next sweep takes the rest). */
    static final int GROUPS_PER_SWEEP = 100;

    /** What one sweep did: jobs sent, jobs still held because the queue refused them again. */
    public record Swept(int sent, int stillHeld) {}

    private final ReliableTurnQueue queue;
    private final PendingTurns pending;

    /** @param pending the store {@code queue} holds its refused jobs in */
    public PendingSweep(ReliableTurnQueue queue, PendingTurns pending) {
        this.queue = queue;
        this.pending = pending;
    }

    public Swept sweep() {
        int sent = 0;
        int stillHeld = 0;
        for (PendingTurns.Group group : pending.groups(GROUPS_PER_SWEEP)) {
            pending.unlist(group);
            List<TurnRequest> jobs = pending.held(group);
            for (int i = 0; i < jobs.size(); i++) {
                TurnRequest job = jobs.get(i);
                if (queue.trySend(job) != null) {
                    stillHeld += jobs.size() - i;
                    pending.hold(job); // lists the group again; the later jobs stay held behind it (and marked)
                    break;
                }
                pending.release(job);
                sent++;
                if (i == jobs.size() - 1) {
                    queue.sent(job); // the group's last: its session's hold mark goes, unless a newer hold set it
                }
            }
        }
        if (sent + stillHeld > 0) {
            LOG.info("sweep: {} held jobs queued, {} still held", sent, stillHeld);
        }
        return new Swept(sent, stillHeld);
    }
}
