package dev.switchboard.adapter.dynamodb;

import static dev.switchboard.adapter.dynamodb.Attr.*;

import dev.switchboard.domain.BusyPolicy;
import dev.switchboard.domain.Page;
import dev.switchboard.domain.Session;
import dev.switchboard.port.SessionStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

/**
 * Sessions table: pk = userId, sk = sessionId. Turn marks ({@code lastTurnId}, {@code settledTurnId},
 * {@code cancelUpTo}) only move forward: each is set with a condition that it is absent or older.
 */
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
        if (s.model() != null) {
            item.put("model", s(s.model()));
        }
        if (s.systemPrompt() != null) {
            item.put("systemPrompt", s(s.systemPrompt()));
        }
        if (s.busyPolicy() != null) {
            item.put("busyPolicy", s(s.busyPolicy().name()));
        }
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
    public Optional<Session> update(String userId, String sessionId, String title, String model, String systemPrompt,
                                    BusyPolicy busyPolicy) {
        List<String> set = new ArrayList<>();
        List<String> remove = new ArrayList<>();
        Map<String, AttributeValue> values = new HashMap<>();
        setting(set, remove, values, "title", title);
        setting(set, remove, values, "model", model);
        setting(set, remove, values, "systemPrompt", systemPrompt);
        setting(set, remove, values, "busyPolicy", busyPolicy == null ? null : busyPolicy.name());
        if (set.isEmpty() && remove.isEmpty()) {
            return get(userId, sessionId);
        }
        String expression = (set.isEmpty() ? "" : "SET " + String.join(", ", set))
                + (remove.isEmpty() ? "" : " REMOVE " + String.join(", ", remove));
        try {
            var r = dynamo.updateItem(b -> b.tableName(table).key(key(userId, sessionId))
                    .updateExpression(expression.strip())
                    .conditionExpression("attribute_exists(pk)")
                    .expressionAttributeValues(values.isEmpty() ? null : values)
                    .returnValues(ReturnValue.ALL_NEW));
            return Optional.of(toSession(r.attributes()));
        } catch (ConditionalCheckFailedException e) {
            return Optional.empty();
        }
    }

    private static void setting(List<String> set, List<String> remove, Map<String, AttributeValue> values,
                                String name, String value) {
        if (value == null) {
            return;
        }
        if (value.isEmpty()) {
            remove.add(name);
        } else {
            set.add(name + " = :" + name);
            values.put(":" + name, s(value));
        }
    }

    @Override
    public boolean markAccepted(String userId, String sessionId, String turnId, String clientMessageId) {
        return moveForward(userId, sessionId, "lastTurnId", turnId,
                ", lastClientMessageId = :c", Map.of(":c", s(clientMessageId)));
    }

    @Override
    public boolean markSettled(String userId, String sessionId, String turnId, long updatedAtMillis) {
        // one UpdateItem: the mark and updatedAt together (an older turn settling late leaves both as they are)
        return moveForward(userId, sessionId, "settledTurnId", turnId, ", updatedAt = :u",
                Map.of(":u", n(updatedAtMillis)));
    }

    @Override
    public boolean cancelUpTo(String userId, String sessionId, String turnId) {
        return moveForward(userId, sessionId, "cancelUpTo", turnId, "", Map.of());
    }

    /** Sets a turn mark unless it is already at or past {@code turnId}; false only when the session is missing. */
    private boolean moveForward(String userId, String sessionId, String attribute, String turnId, String alsoSet,
                                Map<String, AttributeValue> alsoValues) {
        Map<String, AttributeValue> values = new HashMap<>(alsoValues);
        values.put(":t", s(turnId));
        try {
            dynamo.updateItem(b -> b.tableName(table).key(key(userId, sessionId))
                    .updateExpression("SET " + attribute + " = :t" + alsoSet)
                    .conditionExpression("attribute_exists(pk) AND (attribute_not_exists(" + attribute + ") OR "
                            + attribute + " < :t)")
                    .expressionAttributeValues(values)
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return e.hasItem() && !e.item().isEmpty();
        }
    }

    @Override
    public int countBusy(String userId) {
        int busy = 0;
        for (var page : dynamo.queryPaginator(b -> b.tableName(table)
                .keyConditionExpression("pk = :u")
                .filterExpression("attribute_exists(lastTurnId) AND (attribute_not_exists(settledTurnId) "
                        + "OR lastTurnId > settledTurnId)")
                .expressionAttributeValues(Map.of(":u", s(userId)))
                .select(software.amazon.awssdk.services.dynamodb.model.Select.COUNT))) {
            busy += page.count();
        }
        return busy;
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
        String policy = str(item, "busyPolicy");
        return new Session(str(item, PK), str(item, SK), str(item, "title"),
                num(item, "createdAt"), num(item, "updatedAt"), str(item, "model"), str(item, "systemPrompt"),
                policy == null ? null : BusyPolicy.valueOf(policy), str(item, "lastTurnId"),
                str(item, "lastClientMessageId"), str(item, "settledTurnId"), str(item, "cancelUpTo"));
    }
}
