package dev.switchboard.domain;

import java.util.Objects;

/**
 * A document of a user's knowledge base. Its text lives in its chunks; {@code chars} is the length of the whole text.
 * A document is {@link Status#INDEXING} from upload until every chunk has its vector, then {@link Status#READY}.
 */
public record KnowledgeDocument(String userId, String documentId, String title, int chars, int chunkCount,
                                Status status, long createdAtMillis) {
    /** Whether the document's chunks are searchable yet. */
    public enum Status { INDEXING, READY }

    public KnowledgeDocument {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(documentId, "documentId");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(status, "status");
    }

    /** The same document in another status. */
    public KnowledgeDocument withStatus(Status newStatus) {
        return new KnowledgeDocument(userId, documentId, title, chars, chunkCount, newStatus, createdAtMillis);
    }
}
