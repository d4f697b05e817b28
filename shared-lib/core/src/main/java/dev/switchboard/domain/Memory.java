package dev.switchboard.domain;

import java.util.Arrays;
import java.util.Objects;

/**
 * One long-term fact about a user (mem0-style memory), with the turn it was last written from. Times are epoch
 * milliseconds. {@code vector} is the unit-length embedding of {@code text}; it is not copied, treat it as read-only.
 * Equality compares the vector's contents.
 */
public record Memory(String userId, String memoryId, String text, String sourceSessionId, String sourceTurnId,
                     long createdAtMillis, long updatedAtMillis, float[] vector) {
    public Memory {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(memoryId, "memoryId");
        Objects.requireNonNull(text, "text");
    }

    /** The same memory with another text and vector, written from another turn. */
    public Memory withText(String newText, float[] newVector, String sessionId, String turnId, long nowMillis) {
        return new Memory(userId, memoryId, newText, sessionId, turnId, createdAtMillis, nowMillis, newVector);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Memory m && userId.equals(m.userId) && memoryId.equals(m.memoryId) && text.equals(m.text)
                && Objects.equals(sourceSessionId, m.sourceSessionId) && Objects.equals(sourceTurnId, m.sourceTurnId)
                && createdAtMillis == m.createdAtMillis && updatedAtMillis == m.updatedAtMillis
                && Arrays.equals(vector, m.vector);
    }

    @Override
    public int hashCode() {
        return Objects.hash(userId, memoryId, text, sourceSessionId, sourceTurnId, createdAtMillis, updatedAtMillis)
                * 31 + Arrays.hashCode(vector);
    }

    @Override
    public String toString() {
        return "Memory[userId=" + userId + ", memoryId=" + memoryId + ", text=" + text.length() + " chars"
                + ", sourceSessionId=" + sourceSessionId + ", sourceTurnId=" + sourceTurnId
                + ", createdAtMillis=" + createdAtMillis + ", updatedAtMillis=" + updatedAtMillis
                + ", vector=" + (vector == null ? "null" : vector.length + " dims") + "]";
    }
}
