package dev.switchboard.testing;

import dev.switchboard.domain.Chunk;
import dev.switchboard.port.DocumentStore;
import dev.switchboard.domain.KnowledgeDocument;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test-only {@link DocumentStore} with the DynamoDB adapter's behaviour: documents sorted by id within a user, chunks
 * hidden until their document is READY, vectors copied in and out.
 */
public class InMemoryDocumentStore implements DocumentStore {
    private record Stored(KnowledgeDocument document, List<Chunk> chunks) {}

    private final Map<String, NavigableMap<String, Stored>> byUser = new ConcurrentHashMap<>();
    public final AtomicInteger writes = new AtomicInteger();
    /** Calls of {@link #chunks}, to see when a cache reads the store. */
    public final AtomicInteger chunkQueries = new AtomicInteger();

    private NavigableMap<String, Stored> of(String userId) {
        return byUser.computeIfAbsent(userId, u -> new ConcurrentSkipListMap<>());
    }

    private static Chunk copied(Chunk c) {
        return new Chunk(c.userId(), c.documentId(), c.index(), c.text(), InMemoryMemoryStore.copy(c.vector()));
    }

    @Override
    public synchronized void putDocument(KnowledgeDocument d, List<Chunk> chunks) {
        InMemoryMemoryStore.checkId(d.documentId(), "document");
        if (d.status() != KnowledgeDocument.Status.INDEXING) {
            throw new IllegalArgumentException("a new document is stored INDEXING");
        }
        if (d.chunkCount() != chunks.size()) {
            throw new IllegalArgumentException("chunkCount " + d.chunkCount() + " but " + chunks.size() + " chunks");
        }
        List<Chunk> stored = new ArrayList<>();
        for (int i = 0; i < chunks.size(); i++) {
            Chunk c = chunks.get(i);
            if (!c.userId().equals(d.userId()) || !c.documentId().equals(d.documentId()) || c.index() != i) {
                throw new IllegalArgumentException("chunk " + i + " does not belong to the document at that index");
            }
            stored.add(c.withVector(null));
        }
        writes.incrementAndGet();
        of(d.userId()).put(d.documentId(), new Stored(d, stored));
    }

    @Override
    public synchronized boolean markReady(String userId, String documentId, List<float[]> vectors) {
        Stored s = of(userId).get(InMemoryMemoryStore.checkId(documentId, "document"));
        if (s == null) {
            return false;
        }
        if (vectors.size() != s.document().chunkCount()) {
            throw new IllegalArgumentException(vectors.size() + " vectors for " + s.document().chunkCount() + " chunks");
        }
        List<Chunk> withVectors = new ArrayList<>();
        for (int i = 0; i < vectors.size(); i++) {
            withVectors.add(s.chunks().get(i).withVector(vectors.get(i).clone()));
        }
        writes.incrementAndGet();
        of(userId).put(documentId, new Stored(s.document().withStatus(KnowledgeDocument.Status.READY), withVectors));
        return true;
    }

    @Override
    public List<KnowledgeDocument> listDocuments(String userId) {
        return of(userId).values().stream().map(Stored::document).toList();
    }

    @Override
    public Optional<KnowledgeDocument> getDocument(String userId, String documentId) {
        return Optional.ofNullable(of(userId).get(InMemoryMemoryStore.checkId(documentId, "document")))
                .map(Stored::document);
    }

    @Override
    public Ready ready(String userId) {
        chunkQueries.incrementAndGet();
        List<Stored> ready = of(userId).values().stream()
                .filter(s -> s.document().status() == KnowledgeDocument.Status.READY).toList();
        return new Ready(ready.stream().collect(java.util.stream.Collectors.toMap(s -> s.document().documentId(),
                        s -> s.document().title())),
                ready.stream().flatMap(s -> s.chunks().stream())
                        .filter(c -> c.vector() != null)
                        .map(InMemoryDocumentStore::copied)
                        .toList());
    }

    @Override
    public List<Chunk> chunksOf(String userId, String documentId) {
        var stored = of(userId).get(documentId);
        return stored == null ? List.of() : stored.chunks().stream().map(InMemoryDocumentStore::copied).toList();
    }

    @Override
    public synchronized boolean deleteDocument(String userId, String documentId) {
        writes.incrementAndGet();
        return of(userId).remove(InMemoryMemoryStore.checkId(documentId, "document")) != null;
    }
}
