package dev.switchboard.adapter.dynamodb;

import static dev.switchboard.adapter.dynamodb.Attr.*;

import dev.switchboard.domain.Connection;
import dev.switchboard.port.ConnectionStore;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Connections table: pk = userId, sk = connectionId, TTL attribute {@code expiresAt}. */
public final class DynamoDbConnectionStore implements ConnectionStore {
    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbConnectionStore(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    @Override
    public void put(Connection c) {
        dynamo.putItem(b -> b.tableName(table).item(Map.of(
                PK, s(c.userId()),
                SK, s(c.connectionId()),
                "connectedAt", n(c.connectedAtMillis()),
                "expiresAt", n(c.expiresAtEpochSeconds()))));
    }

    @Override
    public void delete(String userId, String connectionId) {
        dynamo.deleteItem(b -> b.tableName(table).key(key(userId, connectionId)));
    }

    @Override
    public List<Connection> listByUser(String userId) {
        long nowSeconds = System.currentTimeMillis() / 1000;
        return dynamo.queryPaginator(b -> b.tableName(table)
                        .keyConditionExpression("pk = :u")
                        .expressionAttributeValues(Map.of(":u", s(userId)))
                        .consistentRead(true))
                .items().stream()
                .map(DynamoDbConnectionStore::toConnection)
                // TTL deletion lags by up to days: an expired connection is treated as gone.
                .filter(c -> c.expiresAtEpochSeconds() == 0 || c.expiresAtEpochSeconds() > nowSeconds)
                .toList();
    }

    private static Connection toConnection(Map<String, AttributeValue> item) {
        return new Connection(str(item, PK), str(item, SK), num(item, "connectedAt"), num(item, "expiresAt"));
    }
}
