package dev.switchboard.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import dev.switchboard.domain.Chunk;
import dev.switchboard.port.DocumentStore;
import dev.switchboard.domain.KnowledgeDocument;
import dev.switchboard.domain.KnowledgeDocument.Status;
import dev.switchboard.domain.KnowledgeLimits;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link DocumentStore} port's contract, for every implementation. Every test uses fresh random user ids, so one
 * shared store can serve all tests.
 */
public abstract class DocumentStoreContract {
    protected DocumentStore store;
    protected String user;
    protected String otherUser;

    /** The store under test; may be fresh per call or shared (tests never reuse user ids). */
    protected abstract DocumentStore store();

    @BeforeEach
    void setUpContract() {
        store = store();
        user = "user-" + UUID.randomUUID();
        otherUser = "user-" + UUID.randomUUID();
    }

    protected static KnowledgeDocument document(String userId, String documentId, int chunks) {
        return new KnowledgeDocument(userId, documentId, "Title of " + documentId, chunks * 10, chunks,
                Status.INDEXING, 1_000);
    }

    protected static List<Chunk> chunks(String userId, String documentId, int n, String text) {
        List<Chunk> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Chunk(userId, documentId, i, text + " " + documentId + " #" + i, null));
        }
        return out;
    }

    protected static List<float[]> vectors(String documentId, int n) {
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(MemoryStoreContract.vector((documentId + i).hashCode(), 384));
        }
        return out;
    }

    /** Stores the document with n chunks and indexes it; returns its chunks with their vectors. */
    protected List<Chunk> ready(String userId, String documentId, int n) {
        List<Chunk> plain = chunks(userId, documentId, n, "text of");
        store.putDocument(document(userId, documentId, n), plain);
        List<float[]> vectors = vectors(documentId, n);
        assertThat(store.markReady(userId, documentId, vectors)).isTrue();
        List<Chunk> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(plain.get(i).withVector(vectors.get(i)));
        }
        return out;
    }

    @Test
    void aUserWithoutDocumentsHasNone() {
        assertThat(store.listDocuments(user)).isEmpty();
        assertThat(store.chunks(user)).isEmpty();
        assertThat(store.getDocument(user, "d-1")).isEmpty();
        assertThat(store.deleteDocument(user, "d-1")).isFalse();
    }

    @Test
    void aStoredDocumentIsIndexingAndItsChunksAreNotSearchableYet() {
        KnowledgeDocument d = document(user, "d-1", 3);
        store.putDocument(d, chunks(user, "d-1", 3, "text"));

        assertThat(store.getDocument(user, "d-1")).contains(d);
        assertThat(store.listDocuments(user)).containsExactly(d);
        assertThat(store.chunks(user)).isEmpty();
    }

    @Test
    void markReadySetsTheVectorsAndMakesTheChunksSearchable() {
        List<Chunk> expected = ready(user, "d-1", 3);

        assertThat(store.getDocument(user, "d-1")).get().extracting(KnowledgeDocument::status).isEqualTo(Status.READY);
        assertThat(store.chunks(user)).containsExactlyElementsOf(expected);
        assertThat(store.chunks(user).get(2).vector()).containsExactly(expected.get(2).vector());
    }

    @Test
    void markReadyOfAMissingDocumentIsFalseAndCreatesNothing() {
        assertThat(store.markReady(user, "d-never", vectors("d-never", 2))).isFalse();
        assertThat(store.listDocuments(user)).isEmpty();
        assertThat(store.chunks(user)).isEmpty();
    }

    @Test
    void markReadyRefusesAWrongNumberOfVectors() {
        store.putDocument(document(user, "d-1", 3), chunks(user, "d-1", 3, "text"));

        assertThatThrownBy(() -> store.markReady(user, "d-1", vectors("d-1", 2)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(store.getDocument(user, "d-1")).get().extracting(KnowledgeDocument::status)
                .isEqualTo(Status.INDEXING);
        assertThat(store.chunks(user)).isEmpty();
    }

    @Test
    void chunksComeOnlyFromReadyDocumentsByDocumentThenIndex() {
        List<Chunk> b = ready(user, "d-b", 12); // indexes 10 and 11 must sort after 9
        List<Chunk> a = ready(user, "d-a", 2);
        store.putDocument(document(user, "d-c", 2), chunks(user, "d-c", 2, "pending"));

        List<Chunk> expected = new ArrayList<>(a);
        expected.addAll(b);
        assertThat(store.chunks(user)).containsExactlyElementsOf(expected);
    }

    @Test
    void readyGivesTheReadyDocumentsTitlesWithTheirChunks() {
        List<Chunk> b = ready(user, "d-b", 2);
        List<Chunk> a = ready(user, "d-a", 1);
        store.putDocument(document(user, "d-c", 2), chunks(user, "d-c", 2, "pending"));
        ready(otherUser, "d-z", 1);

        DocumentStore.Ready ready = store.ready(user);
        assertThat(ready.titles()).isEqualTo(java.util.Map.of("d-a", "Title of d-a", "d-b", "Title of d-b"));
        List<Chunk> expected = new ArrayList<>(a);
        expected.addAll(b);
        assertThat(ready.chunks()).containsExactlyElementsOf(expected);
        assertThat(store.ready("nobody-" + user)).isEqualTo(new DocumentStore.Ready(java.util.Map.of(), List.of()));
    }

    @Test
    void listDocumentsIsOrderedByIdWhateverTheStatus() {
        ready(user, "d-b", 1);
        store.putDocument(document(user, "d-c", 1), chunks(user, "d-c", 1, "x"));
        ready(user, "d-a", 1);

        assertThat(store.listDocuments(user)).extracting(KnowledgeDocument::documentId, KnowledgeDocument::status)
                .containsExactly(
                        tuple("d-a", Status.READY),
                        tuple("d-b", Status.READY),
                        tuple("d-c", Status.INDEXING));
    }

    @Test
    void deleteDocumentRemovesItAndItsChunksOnly() {
        ready(user, "d-1", 30); // more than one BatchWriteItem (25)
        List<Chunk> keptPrefixSibling = ready(user, "d-10", 2); // "d-1" is a prefix of its id

        assertThat(store.deleteDocument(user, "d-1")).isTrue();
        assertThat(store.deleteDocument(user, "d-1")).isFalse();

        assertThat(store.getDocument(user, "d-1")).isEmpty();
        assertThat(store.listDocuments(user)).extracting(KnowledgeDocument::documentId).containsExactly("d-10");
        assertThat(store.chunks(user)).containsExactlyElementsOf(keptPrefixSibling);
    }

    @Test
    void aDocumentDeletedWhileIndexingCannotBeMarkedReady() {
        store.putDocument(document(user, "d-1", 2), chunks(user, "d-1", 2, "x"));
        assertThat(store.deleteDocument(user, "d-1")).isTrue();

        assertThat(store.markReady(user, "d-1", vectors("d-1", 2))).isFalse();
        assertThat(store.listDocuments(user)).isEmpty();
        assertThat(store.chunks(user)).isEmpty();
    }

    @Test
    void storingADocumentAgainReplacesItsChunks() {
        ready(user, "d-1", 3);
        KnowledgeDocument again = document(user, "d-1", 1);
        store.putDocument(again, chunks(user, "d-1", 1, "new text"));

        assertThat(store.getDocument(user, "d-1")).contains(again);
        assertThat(store.chunks(user)).isEmpty();
        List<float[]> v = vectors("d-1-new", 1);
        assertThat(store.markReady(user, "d-1", v)).isTrue();
        assertThat(store.chunks(user)).containsExactly(new Chunk(user, "d-1", 0, "new text d-1 #0", v.get(0)));
    }

    @Test
    void putDocumentRefusesChunksThatAreNotTheDocuments() {
        KnowledgeDocument d = document(user, "d-1", 2);
        List<Chunk> foreignUser = List.of(new Chunk(user, "d-1", 0, "a", null), new Chunk(otherUser, "d-1", 1, "b", null));
        List<Chunk> foreignDoc = List.of(new Chunk(user, "d-1", 0, "a", null), new Chunk(user, "d-2", 1, "b", null));
        List<Chunk> gap = List.of(new Chunk(user, "d-1", 0, "a", null), new Chunk(user, "d-1", 2, "b", null));

        assertThatThrownBy(() -> store.putDocument(d, foreignUser)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.putDocument(d, foreignDoc)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.putDocument(d, gap)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.putDocument(d, chunks(user, "d-1", 3, "x")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.putDocument(d.withStatus(Status.READY), chunks(user, "d-1", 2, "x")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(store.listDocuments(user)).isEmpty();
        assertThat(store.listDocuments(otherUser)).isEmpty();
    }

    @Test
    void documentsAreKeyedByUser() {
        List<Chunk> mine = ready(user, "d-1", 2);
        KnowledgeDocument myDoc = store.getDocument(user, "d-1").orElseThrow();

        assertThat(store.getDocument(otherUser, "d-1")).isEmpty();
        assertThat(store.listDocuments(otherUser)).isEmpty();
        assertThat(store.chunks(otherUser)).isEmpty();
        assertThat(store.markReady(otherUser, "d-1", vectors("x", 2))).isFalse();
        assertThat(store.deleteDocument(otherUser, "d-1")).isFalse();

        assertThat(store.getDocument(user, "d-1")).contains(myDoc);
        assertThat(store.chunks(user)).containsExactlyElementsOf(mine);

        List<Chunk> theirs = ready(otherUser, "d-1", 1);
        assertThat(store.chunks(user)).containsExactlyElementsOf(mine);
        assertThat(store.chunks(otherUser)).containsExactlyElementsOf(theirs);
        assertThat(store.deleteDocument(otherUser, "d-1")).isTrue();
        assertThat(store.chunks(user)).containsExactlyElementsOf(mine);
    }

    /** About 1.1 MB of chunks: more than one DynamoDB Query page (1 MB). */
    @Test
    void chunksReadsEveryPage() {
        int n = 480;
        String text = "y".repeat(KnowledgeLimits.CHUNK_CHARS - 20);
        store.putDocument(document(user, "d-big", n), chunks(user, "d-big", n, text));
        assertThat(store.markReady(user, "d-big", vectors("d-big", n))).isTrue();

        List<Chunk> all = store.chunks(user);
        assertThat(all).hasSize(n);
        assertThat(all).extracting(Chunk::index).containsExactlyElementsOf(
                IntStream.range(0, n).boxed().toList());
        assertThat(store.deleteDocument(user, "d-big")).isTrue();
        assertThat(store.chunks(user)).isEmpty();
    }

    @Test
    void anIdWithTheKeySeparatorIsRefused() {
        assertThatThrownBy(() -> store.putDocument(document(user, "d#1", 1), chunks(user, "d#1", 1, "x")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.getDocument(user, "d#1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.deleteDocument(user, "d#1")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void chunksOfReadsOneDocumentsChunksInOrderWhateverItsStatus() {
        store.putDocument(document(user, "d-1", 3), chunks(user, "d-1", 3, "text"));
        List<Chunk> other = ready(user, "d-2", 2);
        assertThat(store.chunksOf(user, "d-1")).containsExactlyElementsOf(chunks(user, "d-1", 3, "text"));
        assertThat(store.chunksOf(user, "d-2")).containsExactlyElementsOf(other);
        assertThat(store.chunksOf(otherUser, "d-1")).isEmpty();
        assertThat(store.chunksOf(user, "d-9")).isEmpty();
    }
}
