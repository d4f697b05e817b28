package dev.switchboard.port;

/**
 * Counts across every user, for the operator API only: each call reads whole tables (DynamoDB Scan), so it costs read
 * capacity in proportion to the tables' size. Never used on a user's request path.
 */
public interface Census {
    /** Connections whose TTL has not passed at {@code nowMillis}. */
    long openConnections(long nowMillis);

    /**
     * @param total                 every session of every user
     * @param busy                  sessions with an accepted turn not yet settled (a turn queued or running)
     * @param oldestPendingTurnMillis creation time of the oldest such turn found (its id's clock), or null when none is
     *                              busy; at most {@link #PENDING_SAMPLE} busy sessions are looked into (those settled
     *                              longest ago first), so with more it is an estimate
     */
    record Sessions(long total, long busy, Long oldestPendingTurnMillis) {}

    int PENDING_SAMPLE = 25;

    Sessions sessions();
}
