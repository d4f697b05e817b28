package dev.switchboard.adapter.dynamodb;

import dev.switchboard.port.DependencyCheck;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;

/** A table is up when DescribeTable answers and the table is ACTIVE (or UPDATING, which still serves requests). */
public final class DynamoDbTableCheck implements DependencyCheck {
    private final DynamoDbClient dynamo;
    private final String name;
    private final String table;

    /** @param name the name shown (the template's logical id, not the generated table name) */
    public DynamoDbTableCheck(DynamoDbClient dynamo, String name, String table) {
        this.dynamo = dynamo;
        this.name = name;
        this.table = table;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String kind() {
        return "table";
    }

    @Override
    public String probe() {
        TableStatus status = dynamo.describeTable(b -> b.tableName(table)).table().tableStatus();
        if (status != TableStatus.ACTIVE && status != TableStatus.UPDATING) {
            throw new IllegalStateException("table status " + status);
        }
        return status.toString();
    }
}
