package dev.switchboard.infra;

import dev.switchboard.adapter.dynamodb.DynamoDbPendingTurns;
import dev.switchboard.port.PendingTurns;
import dev.switchboard.protocol.ProtocolCodec;
import dev.switchboard.testing.PendingTurnsContract;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * The contract on DynamoDB Local, in a table of its own with the UserData table's keys: the shared stack's worker
 * sweeps the UserData table's held jobs every two seconds, and would take this test's jobs from under it.
 */
class DynamoDbPendingTurnsIT extends PendingTurnsContract {
    private static final String TABLE = "PendingTurnsContractTable";

    @Override
    protected PendingTurns pending() {
        DynamoDbClient dynamo = StackFixture.stack().dynamo();
        try {
            dynamo.createTable(b -> b.tableName(TABLE).billingMode(BillingMode.PAY_PER_REQUEST)
                    .attributeDefinitions(a -> a.attributeName("pk").attributeType(ScalarAttributeType.S),
                            a -> a.attributeName("sk").attributeType(ScalarAttributeType.S))
                    .keySchema(k -> k.attributeName("pk").keyType(KeyType.HASH),
                            k -> k.attributeName("sk").keyType(KeyType.RANGE)));
        } catch (ResourceInUseException exists) {
            // created by an earlier test of this class
        }
        return new DynamoDbPendingTurns(dynamo, TABLE, new ProtocolCodec().mapper());
    }
}
