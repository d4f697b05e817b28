package dev.switchboard.infra;

import dev.switchboard.adapter.dynamodb.DynamoDbMessageStore;
import dev.switchboard.adapter.dynamodb.DynamoDbSessionStore;
import dev.switchboard.adapter.dynamodb.DynamoDbTurnAdmissions;
import dev.switchboard.adapter.dynamodb.DynamoDbUserQuotas;
import dev.switchboard.testing.TurnAdmissionsContract;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** The {@link dev.switchboard.port.TurnAdmissions} contract against the DynamoDB adapter on DynamoDB Local. */
class DynamoDbTurnAdmissionsIT extends TurnAdmissionsContract {
    @Override
    protected Stores stores() {
        DynamoDbClient dynamo = StackFixture.stack().dynamo();
        var sessions = new DynamoDbSessionStore(dynamo, "SessionsTable");
        var messages = new DynamoDbMessageStore(dynamo, "MessagesTable");
        var quotas = new DynamoDbUserQuotas(dynamo, "UserDataTable");
        return new Stores(new DynamoDbTurnAdmissions(dynamo, sessions, messages, quotas), sessions, messages, quotas);
    }
}
