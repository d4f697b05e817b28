package dev.switchboard.domain;

import java.util.Arrays;
import java.util.Objects;

/**
 * One piece of a {@link KnowledgeDocument}'s text, numbered from 0 in document order. {@code vector} is null until the
 * document is indexed; it is not copied, treat it as read-only. Equality compares the vector's contents.
 */
public record Chunk(String userId, String documentId, int index, String text, float[] vector) {
    public Chunk {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(documentId, "documentId");
        Objects.requireNonNull(text, "text");
        if (index < 0) {
            throw new IllegalArgumentException("chunk index must not be negative: " + index);
        }
    }

    /** The same chunk with its vector. */
    public Chunk withVector(float[] newVector) {
        return new Chunk(userId, documentId, index, text, newVector);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Chunk c && userId.equals(c.userId) && documentId.equals(c.documentId) && index == c.index
                && text.equals(c.text) && Arrays.equals(vector, c.vector);
    }

    @Override
    public int hashCode() {
        return Objects.hash(userId, documentId, index, text) * 31 + Arrays.hashCode(vector);
    }

    @Override
    public String toString() {
        return "Chunk[userId=" + userId + ", documentId=" + documentId + ", index=" + index + ", text="
                + text.length() + " chars, vector=" + (vector == null ? "null" : vector.length + " dims") + "]";
    }
}
