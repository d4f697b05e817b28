package dev.switchboard.domain;

/** The user's feedback on an answer ({@code rateMessage}); {@code comment} may be null. */
public record Rating(Value value, String comment, long ratedAtMillis) {
    public enum Value {
        UP("up"), DOWN("down");

        private final String wire;

        Value(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        /** @return the value whose {@link #wire()} is {@code s}, or null when there is none */
        public static Value fromWire(String s) {
            for (Value v : values()) {
                if (v.wire.equals(s)) {
                    return v;
                }
            }
            return null;
        }
    }

    public Rating {
        if (value == null) {
            throw new IllegalArgumentException("a rating has a value; clearing is a null Rating");
        }
    }
}
