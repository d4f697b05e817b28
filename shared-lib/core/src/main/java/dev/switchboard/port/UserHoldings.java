package dev.switchboard.port;

/**
 * What a user holds, counted atomically per user and kind so parallel actions on any number of function instances
 * cannot pass a cap together (a list-then-write check lets them), and how often a user creates such things per minute.
 * A holder takes a count with {@link #tryAdd} before it writes the item, gives it back with {@link #release} when the
 * write fails or the item is deleted.
 */
public interface UserHoldings {
    /** The kinds of item a user holds; {@code wire} names them in errors and keys. */
    enum Kind {
        SESSIONS("sessions"), DOCUMENTS("documents"), NOTES("notes");

        private final String wire;

        Kind(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }
    }

    /** No caps and no rate limits: every add passes and nothing is counted. */
    UserHoldings NONE = new UserHoldings() {
        @Override
        public boolean tryAdd(String userId, Kind kind, int cap) {
            return true;
        }

        @Override
        public void release(String userId, Kind kind, int count) { }

        @Override
        public long count(String userId, Kind kind) {
            return 0;
        }

        @Override
        public void clear(String userId, Kind kind) { }

        @Override
        public boolean tryCountAction(String userId, Kind kind, long nowMillis, int perMinute) {
            return true;
        }
    };

    /**
     * Counts one more item of {@code kind} unless the user holds {@code cap} already (one conditional write).
     *
     * @param cap 0 = no cap (nothing is counted)
     * @return false when the user is at the cap (nothing changed)
     */
    boolean tryAdd(String userId, Kind kind, int cap);

    /** Counts {@code count} items fewer (never below 0). */
    void release(String userId, Kind kind, int count);

    /** The items of {@code kind} counted for the user (a strongly consistent read). */
    long count(String userId, Kind kind);

    /** Sets the count to 0 (every item of that kind was deleted). */
    void clear(String userId, Kind kind);

    /**
     * Counts one creating action of {@code kind} in the user's current UTC minute unless that would pass
     * {@code perMinute}.
     *
     * @param perMinute 0 = no limit (nothing is counted)
     * @return false when the minute's limit is reached (nothing changed)
     */
    boolean tryCountAction(String userId, Kind kind, long nowMillis, int perMinute);
}
