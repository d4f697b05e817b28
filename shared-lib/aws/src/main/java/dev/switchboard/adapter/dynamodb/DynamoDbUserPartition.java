package dev.switchboard.adapter.dynamodb;

import dev.switchboard.port.UserPartition;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** The UserData table's partition of one user (pk = userId). */
public final class DynamoDbUserPartition implements UserPartition {
    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbUserPartition(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    @Override
    public int deleteAll(String userId) {
        return BatchWrites.deletePartition(dynamo, table, userId).size();
    }
}
