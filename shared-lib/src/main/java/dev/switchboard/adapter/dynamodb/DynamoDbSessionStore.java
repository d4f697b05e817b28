package dev.switchboard.adapter.dynamodb;

import static dev.switchboard.adapter.dynamodb.Attr.*;

import dev.switchboard.domain.Page;
import dev.switchboard.domain.Session;
import dev.switchboard.port.SessionStore;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

/** Sessions table: pk = userId, sk = sessionId. */
public final class DynamoDbSessionStore implements SessionStore {
    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbSessionStore(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    @Override
    public Optional<Session> get(String userId, String sessionId) {
        var item = dynamo.getItem(b -> b.tableName(table).key(key(userId, sessionId)).consistentRead(true)).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(toSession(item));
    }

    @Override
    public Session createIfAbsent(Session s) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(PK, s(s.userId()));
        item.put(SK, s(s.sessionId()));
        item.put("title", s(s.title()));
        item.put("createdAt", n(s.createdAtMillis()));
        item.put("updatedAt", n(s.updatedAtMillis()));
        try {
            dynamo.putItem(b -> b.tableName(table).item(item)
                    .conditionExpression("attribute_not_exists(pk)")
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
            return s;
        } catch (ConditionalCheckFailedException e) {
            return e.hasItem() ? toSession(e.item()) : get(s.userId(), s.sessionId()).orElse(s);
        }
    }

    @Override
    public boolean touch(String userId, String sessionId, long updatedAtMillis) {
        try {
            dynamo.updateItem(b -> b.tableName(table).key(key(userId, sessionId))
                    .updateExpression("SET updatedAt = :t")
                    .conditionExpression("attribute_exists(pk)")
                    .expressionAttributeValues(Map.of(":t", n(updatedAtMillis)))
                    .returnValues(ReturnValue.NONE));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false; // the session was deleted meanwhile: do not bring it back
        }
    }

    @Override
    public Page<Session> list(String userId, int limit, String cursor) {
        QueryResponse r = dynamo.query(b -> b.tableName(table)
                .keyConditionExpression("pk = :u")
                .expressionAttributeValues(Map.of(":u", s(userId)))
                .exclusiveStartKey(startKey(userId, cursor, ""))
                .limit(limit + 1));
        return page(r, limit, DynamoDbSessionStore::toSession);
    }

    @Override
    public boolean delete(String userId, String sessionId) {
        var old = dynamo.deleteItem(b -> b.tableName(table).key(key(userId, sessionId))
                .returnValues(ReturnValue.ALL_OLD)).attributes();
        return old != null && !old.isEmpty();
    }

    private static Session toSession(Map<String, AttributeValue> item) {
        return new Session(str(item, PK), str(item, SK), str(item, "title"),
                num(item, "createdAt"), num(item, "updatedAt"));
    }
}
