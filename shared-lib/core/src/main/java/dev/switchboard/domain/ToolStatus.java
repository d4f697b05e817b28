package dev.switchboard.domain;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Where a tool call stands (the {@code status} of a {@link Role#TOOL} message). {@link #wire()} is the value stored
 * and sent in protocol events.
 */
public enum ToolStatus {
    /** Waiting for the user's approveTool / denyTool. */
    PENDING("pending"),
    APPROVED("approved"),
    DENIED("denied"),
    /** Claimed by a worker that is running it (a worker that dies here leaves the outcome unknown: never re-run). */
    RUNNING("running"),
    DONE("done"),
    FAILED("failed");

    private final String wire;

    ToolStatus(String wire) {
        this.wire = wire;
    }

    /** The stored and sent form: the lowercase name. */
    @JsonValue
    public String wire() {
        return wire;
    }

    /** @return the status whose {@link #wire()} is {@code value}, or null for null or an unknown value */
    @JsonCreator
    public static ToolStatus fromWire(String value) {
        for (ToolStatus s : values()) {
            if (s.wire.equals(value)) {
                return s;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return wire;
    }
}
