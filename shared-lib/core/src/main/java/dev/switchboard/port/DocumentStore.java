package dev.switchboard.port;

import dev.switchboard.domain.Chunk;
import dev.switchboard.domain.KnowledgeDocument;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Stores a user's knowledge-base documents and their chunks. Every method reads or writes only {@code userId}'s own
 * items. Ids must not contain {@code #}.
 */
public interface DocumentStore {
    /**
     * Stores a new document in status {@link KnowledgeDocument.Status#INDEXING} with its chunks (without vectors). The
     * chunks must belong to the document and be numbered 0..n-1; the document item is written first, so a failure
     * part way leaves a document that can be listed and deleted.
     */
    void putDocument(KnowledgeDocument document, List<Chunk> chunks);

    /**
     * Sets the vectors of the document's chunks ({@code vectors.get(i)} for chunk {@code i}) and marks it
     * {@link KnowledgeDocument.Status#READY}.
     *
     * @return false when the document does not exist (e.g. deleted while it was being indexed); nothing is left behind
     * @throws IllegalArgumentException when the number of vectors is not the document's chunk count
     */
    boolean markReady(String userId, String documentId, List<float[]> vectors);

    /** Every document of the user, in documentId order, whatever its status. */
    List<KnowledgeDocument> listDocuments(String userId);

    Optional<KnowledgeDocument> getDocument(String userId, String documentId);

    /** The chunks, with vectors, of every READY document of the user (one Query), by document then index. */
    default List<Chunk> chunks(String userId) {
        return ready(userId).chunks();
    }

    /** The user's READY documents as the worker's user tier keeps them: their titles by id and their chunks. */
    record Ready(Map<String, String> titles, List<Chunk> chunks) {
        public Ready {
            titles = Map.copyOf(titles);
            chunks = List.copyOf(chunks);
        }
    }

    /** The titles and the chunks (as {@link #chunks}) of every READY document of the user, in one Query. */
    Ready ready(String userId);

    /** Deletes the document and its chunks. @return true when the document existed */
    boolean deleteDocument(String userId, String documentId);

    /** The chunks of one document whatever its status, in order (the worker embeds an INDEXING document's). */
    List<Chunk> chunksOf(String userId, String documentId);
}
