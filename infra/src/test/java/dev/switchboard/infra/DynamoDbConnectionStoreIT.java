package dev.switchboard.infra;

import dev.switchboard.adapter.dynamodb.DynamoDbConnectionStore;
import dev.switchboard.port.ConnectionStore;
import dev.switchboard.testing.ConnectionStoreContract;

/** The {@link ConnectionStore} contract against the DynamoDB adapter on DynamoDB Local (the template's table). */
class DynamoDbConnectionStoreIT extends ConnectionStoreContract {
    @Override
    protected ConnectionStore store() {
        return new DynamoDbConnectionStore(StackFixture.stack().dynamo(), "ConnectionsTable");
    }
}
