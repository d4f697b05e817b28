package dev.switchboard.adapter.dynamodb;

import static dev.switchboard.adapter.dynamodb.Attr.*;

import dev.switchboard.port.UserHoldings;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * Counters in the UserData table, on the user's partition: {@code H#<kind>} holds the count of a kind ({@code n}),
 * {@code W#<kind>#<epoch minute>} the creating actions of one minute (expiring two minutes later). Every change is
 * one conditional UpdateItem, so parallel adds cannot pass a cap.
 */
public final class DynamoDbUserHoldings implements UserHoldings {
    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbUserHoldings(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    static String countKey(Kind kind) {
        return "H#" + kind.wire();
    }

    @Override
    public boolean tryAdd(String userId, Kind kind, int cap) {
        if (cap == 0) {
            return true;
        }
        return conditionalAdd(userId, countKey(kind), cap, null);
    }

    @Override
    public void release(String userId, Kind kind, int count) {
        if (count <= 0) {
            return;
        }
        try {
            dynamo.updateItem(b -> b.tableName(table).key(key(userId, countKey(kind)))
                    .updateExpression("ADD n :minus")
                    .conditionExpression("n >= :count")
                    .expressionAttributeValues(Map.of(":minus", n(-count), ":count", n(count))));
        } catch (ConditionalCheckFailedException e) {
            // fewer counted than released (counted before the counter existed): the count is 0
            clear(userId, kind);
        }
    }

    @Override
    public long count(String userId, Kind kind) {
        return num(dynamo.getItem(b -> b.tableName(table).key(key(userId, countKey(kind))).consistentRead(true))
                .item(), "n");
    }

    @Override
    public void clear(String userId, Kind kind) {
        dynamo.deleteItem(b -> b.tableName(table).key(key(userId, countKey(kind))));
    }

    @Override
    public boolean tryCountAction(String userId, Kind kind, long nowMillis, int perMinute) {
        if (perMinute == 0) {
            return true;
        }
        long minute = nowMillis / 60_000;
        return conditionalAdd(userId, "W#" + kind.wire() + "#" + minute, perMinute, (minute + 2) * 60);
    }

    private boolean conditionalAdd(String userId, String sk, int limit, Long expiresAt) {
        try {
            dynamo.updateItem(b -> b.tableName(table).key(key(userId, sk))
                    .updateExpression(expiresAt == null ? "ADD n :one" : "ADD n :one SET expiresAt = :ttl")
                    .conditionExpression("attribute_not_exists(n) OR n < :limit")
                    .expressionAttributeValues(expiresAt == null ? Map.of(":one", n(1), ":limit", n(limit))
                            : Map.of(":one", n(1), ":limit", n(limit), ":ttl", n(expiresAt))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }
}
