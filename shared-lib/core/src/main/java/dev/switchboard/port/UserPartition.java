package dev.switchboard.port;

/**
 * Everything one user owns in the user-data table, whatever its kind (memories, documents and their chunks, notes,
 * the knowledge version, the daily quota counters, and any kind added later): the operator's user deletion sweeps it
 * last, so that no item of a deleted user stays behind.
 */
@FunctionalInterface
public interface UserPartition {
    /** Deletes every item of the user's partition; returns how many there were. */
    int deleteAll(String userId);
}
