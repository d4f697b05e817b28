package dev.switchboard.adapter.dynamodb;

import static dev.switchboard.adapter.dynamodb.Attr.*;

import dev.switchboard.port.KnowledgeVersions;
import java.util.Map;

/** The user's knowledge version: one item per user in the UserData table, sk {@code V#}, attribute {@code v}. */
public final class DynamoDbKnowledgeVersions implements KnowledgeVersions {
    static final String VERSION_KEY = "V#";

    private final software.amazon.awssdk.services.dynamodb.DynamoDbClient dynamo;
    private final String table;

    public DynamoDbKnowledgeVersions(software.amazon.awssdk.services.dynamodb.DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    @Override
    public long current(String userId) {
        var item = dynamo.getItem(b -> b.tableName(table).key(key(userId, VERSION_KEY)).consistentRead(true)).item();
        return item == null ? 0 : num(item, "v");
    }

    @Override
    public void bump(String userId) {
        dynamo.updateItem(b -> b.tableName(table).key(key(userId, VERSION_KEY))
                .updateExpression("ADD v :one")
                .expressionAttributeValues(Map.of(":one", n(1))));
    }
}
