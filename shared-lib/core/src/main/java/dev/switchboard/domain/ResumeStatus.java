package dev.switchboard.domain;

/**
 * Where a turn stands when a resumed connection is sent what it missed (the {@code status} of a {@code resumed}
 * event): still {@link #RUNNING} (the rest streams on), {@link #STOPPED} for a tool decision, or ended:
 * {@link #CANCELLED} or {@link #ANSWERED}. {@link #wire()} is the value sent.
 */
public enum ResumeStatus {
    RUNNING("running"),
    STOPPED("stopped"),
    CANCELLED("cancelled"),
    ANSWERED("answered");

    private final String wire;

    ResumeStatus(String wire) {
        this.wire = wire;
    }

    /** The sent form: the lowercase name. */
    public String wire() {
        return wire;
    }

    @Override
    public String toString() {
        return wire;
    }
}
