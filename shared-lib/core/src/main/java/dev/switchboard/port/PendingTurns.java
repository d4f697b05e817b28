package dev.switchboard.port;

import dev.switchboard.domain.TurnRequest;
import java.util.List;

/**
 * Durable records of queue jobs (turns, resumes, memory and index jobs) that could not be sent to their queue (turns or user data),
 * until a sweep sends them. Each is kept on its user's partition under its FIFO group, in the order it was held, and
 * the group is listed in an index the sweep reads, so the sweep finds every held job without scanning.
 */
public interface PendingTurns {
    /** A FIFO group of one user that holds jobs. */
    record Group(String userId, String groupId) {}

    /** Records {@code job} as not yet queued (idempotent on its deduplication id), and lists its group. */
    void hold(TurnRequest job);

    /** Whether the user's FIFO group {@code groupId} holds a job (a later job of the group must wait behind it). */
    boolean holds(String userId, String groupId);

    /** Groups listed as holding jobs, at most {@code limit}. */
    List<Group> groups(int limit);

    /** The group's held jobs, in the order they were held. */
    List<TurnRequest> held(Group group);

    /** Forgets a held job (it is queued now). */
    void release(TurnRequest job);

    /** Takes the group off the index (the sweep is about to send its jobs; a later hold lists it again). */
    void unlist(Group group);
}
