package dev.switchboard.knowledge;

import java.util.Objects;

/**
 * One change to a user's memories proposed by the {@link MemoryExtractor}: ADD a fact ({@code memoryId} null), UPDATE
 * the text of memory {@code memoryId}, DELETE memory {@code memoryId} ({@code text} null).
 */
public record MemoryOp(Kind kind, String memoryId, String text) {
    /** What the operation does; NONE (nothing to change) is accepted from the model but never returned. */
    public enum Kind { ADD, UPDATE, DELETE, NONE }

    public MemoryOp {
        Objects.requireNonNull(kind, "kind");
    }

    public static MemoryOp add(String text) {
        return new MemoryOp(Kind.ADD, null, text);
    }

    public static MemoryOp update(String memoryId, String text) {
        return new MemoryOp(Kind.UPDATE, memoryId, text);
    }

    public static MemoryOp delete(String memoryId) {
        return new MemoryOp(Kind.DELETE, memoryId, null);
    }

    @Override
    public String toString() {
        return "MemoryOp[" + kind + (memoryId == null ? "" : " " + memoryId)
                + (text == null ? "" : ", " + text.length() + " chars") + "]";
    }
}
