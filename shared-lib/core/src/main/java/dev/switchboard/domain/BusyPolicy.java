package dev.switchboard.domain;

import java.util.Locale;

/** What a session does with a message that arrives while one of its turns is still running. */
public enum BusyPolicy {
    /** Queue it; it is answered after the running turn (the default). */
    ENQUEUE,
    /** Refuse it with a SESSION_BUSY error; nothing is stored. */
    REJECT,
    /** Cancel the running turn, then answer the new message. */
    INTERRUPT;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @return null when {@code wire} names no policy */
    public static BusyPolicy fromWire(String wire) {
        for (BusyPolicy p : values()) {
            if (p.wire().equals(wire)) {
                return p;
            }
        }
        return null;
    }
}
