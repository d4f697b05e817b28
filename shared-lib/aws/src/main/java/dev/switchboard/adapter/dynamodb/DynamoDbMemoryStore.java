package dev.switchboard.adapter.dynamodb;

import static dev.switchboard.adapter.dynamodb.Attr.*;

import dev.switchboard.domain.Memory;
import dev.switchboard.port.MemoryStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.Select;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * Memories in the UserData table: pk = userId, sk = {@code M#<memoryId>}; the vector is a binary attribute
 * (little-endian float32). Other prefixes of the user's partition are never read or written here.
 */
public final class DynamoDbMemoryStore implements MemoryStore {
    static final String PREFIX = "M#";

    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbMemoryStore(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    static String sortKey(String memoryId) {
        if (memoryId == null || memoryId.isEmpty() || memoryId.indexOf('#') >= 0) {
            throw new IllegalArgumentException("memory id must be non-empty and must not contain '#'");
        }
        return PREFIX + memoryId;
    }

    private QueryRequest.Builder ownMemories(QueryRequest.Builder b, String userId) {
        return b.tableName(table)
                .keyConditionExpression("pk = :u AND begins_with(sk, :p)")
                .expressionAttributeValues(Map.of(":u", s(userId), ":p", s(PREFIX)))
                .consistentRead(true);
    }

    @Override
    public List<Memory> list(String userId) {
        List<Memory> out = new ArrayList<>();
        for (Map<String, AttributeValue> item : dynamo.queryPaginator(b -> ownMemories(b, userId)).items()) {
            out.add(toMemory(item));
        }
        return out;
    }

    @Override
    public void put(Memory m) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(PK, s(m.userId()));
        item.put(SK, s(sortKey(m.memoryId())));
        item.put("text", s(m.text()));
        if (m.sourceSessionId() != null) {
            item.put("sourceSessionId", s(m.sourceSessionId()));
        }
        if (m.sourceTurnId() != null) {
            item.put("sourceTurnId", s(m.sourceTurnId()));
        }
        item.put("createdAt", n(m.createdAtMillis()));
        item.put("updatedAt", n(m.updatedAtMillis()));
        if (m.vector() != null) {
            item.put("vector", VectorBytes.b(m.vector()));
        }
        dynamo.putItem(b -> b.tableName(table).item(item));
    }

    @Override
    public boolean delete(String userId, String memoryId) {
        var old = dynamo.deleteItem(b -> b.tableName(table).key(key(userId, sortKey(memoryId)))
                .returnValues(ReturnValue.ALL_OLD)).attributes();
        return old != null && !old.isEmpty();
    }

    @Override
    public int deleteAll(String userId) {
        List<WriteRequest> deletes = new ArrayList<>();
        for (Map<String, AttributeValue> item : dynamo.queryPaginator(b -> ownMemories(b, userId)
                .projectionExpression("pk, sk")).items()) {
            deletes.add(BatchWrites.delete(item));
        }
        BatchWrites.write(dynamo, table, deletes);
        return deletes.size();
    }

    @Override
    public int count(String userId) {
        int count = 0;
        for (var page : dynamo.queryPaginator(b -> ownMemories(b, userId).select(Select.COUNT))) {
            count += page.count();
        }
        return count;
    }

    private static Memory toMemory(Map<String, AttributeValue> item) {
        return new Memory(str(item, PK), str(item, SK).substring(PREFIX.length()), str(item, "text"),
                str(item, "sourceSessionId"), str(item, "sourceTurnId"), num(item, "createdAt"),
                num(item, "updatedAt"), VectorBytes.floats(item.get("vector")));
    }
}
