package dev.switchboard.adapter.dynamodb;

import static dev.switchboard.adapter.dynamodb.Attr.*;

import dev.switchboard.domain.Chunk;
import dev.switchboard.port.DocumentStore;
import dev.switchboard.domain.KnowledgeDocument;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Knowledge-base documents in the UserData table, pk = userId: the document at sk = {@code D#<documentId>}, its
 * chunks at {@code K#<documentId>#<index, 4 digits>} (so they sort by document, then index), each chunk's vector a
 * binary attribute (little-endian float32) once indexed. Other prefixes of the user's partition are never read or
 * written here.
 */
public final class DynamoDbDocumentStore implements DocumentStore {
    static final String DOC_PREFIX = "D#";
    static final String CHUNK_PREFIX = "K#";
    /** Sorts after every {@code K#...} key: '$' follows '#'. */
    private static final String AFTER_CHUNKS = "K$";
    private static final int MAX_CHUNKS = 10_000;

    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbDocumentStore(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    private static String checkId(String documentId) {
        if (documentId == null || documentId.isEmpty() || documentId.indexOf('#') >= 0) {
            throw new IllegalArgumentException("document id must be non-empty and must not contain '#'");
        }
        return documentId;
    }

    static String docKey(String documentId) {
        return DOC_PREFIX + checkId(documentId);
    }

    static String chunkPrefix(String documentId) {
        return CHUNK_PREFIX + checkId(documentId) + "#";
    }

    static String chunkKey(String documentId, int index) {
        if (index < 0 || index >= MAX_CHUNKS) {
            throw new IllegalArgumentException("chunk index out of range: " + index);
        }
        return chunkPrefix(documentId) + String.format(Locale.ROOT, "%04d", index);
    }

    @Override
    public void putDocument(KnowledgeDocument d, List<Chunk> chunks) {
        if (d.status() != KnowledgeDocument.Status.INDEXING) {
            throw new IllegalArgumentException("a new document is stored INDEXING");
        }
        if (d.chunkCount() != chunks.size() || chunks.size() > MAX_CHUNKS) {
            throw new IllegalArgumentException("chunkCount " + d.chunkCount() + " but " + chunks.size() + " chunks");
        }
        List<WriteRequest> puts = new ArrayList<>(chunks.size());
        for (int i = 0; i < chunks.size(); i++) {
            Chunk c = chunks.get(i);
            if (!c.userId().equals(d.userId()) || !c.documentId().equals(d.documentId()) || c.index() != i) {
                throw new IllegalArgumentException("chunk " + i + " does not belong to the document at that index");
            }
            Map<String, AttributeValue> item = new HashMap<>();
            item.put(PK, s(d.userId()));
            item.put(SK, s(chunkKey(d.documentId(), i)));
            item.put("documentId", s(d.documentId()));
            item.put("idx", n(i));
            item.put("text", s(c.text()));
            puts.add(BatchWrites.put(item));
        }
        deleteChunks(d.userId(), d.documentId()); // a document stored again under its id loses its old chunks
        Map<String, AttributeValue> doc = new HashMap<>();
        doc.put(PK, s(d.userId()));
        doc.put(SK, s(docKey(d.documentId())));
        doc.put("title", s(d.title()));
        doc.put("chars", n(d.chars()));
        doc.put("chunkCount", n(d.chunkCount()));
        doc.put("status", s(d.status().name()));
        doc.put("createdAt", n(d.createdAtMillis()));
        dynamo.putItem(b -> b.tableName(table).item(doc));
        BatchWrites.write(dynamo, table, puts);
    }

    @Override
    public boolean markReady(String userId, String documentId, List<float[]> vectors) {
        KnowledgeDocument d = getDocument(userId, documentId).orElse(null);
        if (d == null) {
            return false;
        }
        if (vectors.size() != d.chunkCount()) {
            throw new IllegalArgumentException(vectors.size() + " vectors for " + d.chunkCount() + " chunks");
        }
        try {
            // conditional updates never re-create a chunk that a concurrent deleteDocument removed
            for (int i = 0; i < vectors.size(); i++) {
                Map<String, AttributeValue> key = key(userId, chunkKey(documentId, i));
                AttributeValue v = VectorBytes.b(vectors.get(i));
                dynamo.updateItem(b -> b.tableName(table).key(key)
                        .updateExpression("SET #v = :v")
                        .conditionExpression("attribute_exists(pk)")
                        .expressionAttributeNames(Map.of("#v", "vector"))
                        .expressionAttributeValues(Map.of(":v", v))
                        .returnValues(ReturnValue.NONE));
            }
            dynamo.updateItem(b -> b.tableName(table).key(key(userId, docKey(documentId)))
                    .updateExpression("SET #s = :ready")
                    .conditionExpression("attribute_exists(pk)")
                    .expressionAttributeNames(Map.of("#s", "status"))
                    .expressionAttributeValues(Map.of(":ready", s(KnowledgeDocument.Status.READY.name())))
                    .returnValues(ReturnValue.NONE));
            return true;
        } catch (ConditionalCheckFailedException e) {
            if (getDocument(userId, documentId).isEmpty()) {
                return false; // deleted meanwhile; its deletion removes the chunks updated so far
            }
            throw new IllegalStateException("a chunk of the document is missing", e);
        }
    }

    @Override
    public List<KnowledgeDocument> listDocuments(String userId) {
        List<KnowledgeDocument> out = new ArrayList<>();
        for (Map<String, AttributeValue> item : dynamo.queryPaginator(b -> b.tableName(table)
                .keyConditionExpression("pk = :u AND begins_with(sk, :p)")
                .expressionAttributeValues(Map.of(":u", s(userId), ":p", s(DOC_PREFIX)))
                .consistentRead(true)).items()) {
            out.add(toDocument(item));
        }
        return out;
    }

    @Override
    public Optional<KnowledgeDocument> getDocument(String userId, String documentId) {
        var item = dynamo.getItem(b -> b.tableName(table).key(key(userId, docKey(documentId))).consistentRead(true))
                .item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(toDocument(item));
    }

    @Override
    public Ready ready(String userId) {
        // one Query over D#... and K#...: the documents sort before their chunks, so READY is known in time
        Map<String, String> ready = new HashMap<>();
        List<Chunk> out = new ArrayList<>();
        for (Map<String, AttributeValue> item : dynamo.queryPaginator(b -> b.tableName(table)
                .keyConditionExpression("pk = :u AND sk BETWEEN :from AND :to")
                .expressionAttributeValues(Map.of(":u", s(userId), ":from", s(DOC_PREFIX), ":to", s(AFTER_CHUNKS)))
                .consistentRead(true)).items()) {
            String sk = str(item, SK);
            if (sk.startsWith(DOC_PREFIX)) {
                if (KnowledgeDocument.Status.READY.name().equals(str(item, "status"))) {
                    ready.put(sk.substring(DOC_PREFIX.length()), str(item, "title"));
                }
            } else if (sk.startsWith(CHUNK_PREFIX) && ready.containsKey(str(item, "documentId"))
                    && item.containsKey("vector")) {
                out.add(toChunk(item));
            }
        }
        return new Ready(ready, out);
    }

    @Override
    public List<Chunk> chunksOf(String userId, String documentId) {
        List<Chunk> out = new ArrayList<>();
        for (Map<String, AttributeValue> item : dynamo.queryPaginator(b -> b.tableName(table)
                .keyConditionExpression("pk = :u AND begins_with(sk, :k)")
                .expressionAttributeValues(Map.of(":u", s(userId), ":k", s(CHUNK_PREFIX + documentId + "#")))
                .consistentRead(true)).items()) {
            out.add(toChunk(item));
        }
        return out;
    }

    @Override
    public boolean deleteDocument(String userId, String documentId) {
        // chunks first: a failure part way leaves the document listed, so the delete can be repeated
        deleteChunks(userId, documentId);
        var old = dynamo.deleteItem(b -> b.tableName(table).key(key(userId, docKey(documentId)))
                .returnValues(ReturnValue.ALL_OLD)).attributes();
        return old != null && !old.isEmpty();
    }

    private void deleteChunks(String userId, String documentId) {
        List<WriteRequest> deletes = new ArrayList<>();
        for (Map<String, AttributeValue> item : dynamo.queryPaginator(b -> b.tableName(table)
                .keyConditionExpression("pk = :u AND begins_with(sk, :p)")
                .expressionAttributeValues(Map.of(":u", s(userId), ":p", s(chunkPrefix(documentId))))
                .projectionExpression("pk, sk")
                .consistentRead(true)).items()) {
            deletes.add(BatchWrites.delete(item));
        }
        BatchWrites.write(dynamo, table, deletes);
    }

    private static KnowledgeDocument toDocument(Map<String, AttributeValue> item) {
        return new KnowledgeDocument(str(item, PK), str(item, SK).substring(DOC_PREFIX.length()), str(item, "title"),
                (int) num(item, "chars"), (int) num(item, "chunkCount"),
                KnowledgeDocument.Status.valueOf(str(item, "status")), num(item, "createdAt"));
    }

    private static Chunk toChunk(Map<String, AttributeValue> item) {
        return new Chunk(str(item, PK), str(item, "documentId"), (int) num(item, "idx"), str(item, "text"),
                VectorBytes.floats(item.get("vector")));
    }
}
