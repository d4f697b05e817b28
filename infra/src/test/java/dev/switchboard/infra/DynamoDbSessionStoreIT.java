package dev.switchboard.infra;

import dev.switchboard.adapter.dynamodb.DynamoDbSessionStore;
import dev.switchboard.port.SessionStore;
import dev.switchboard.testing.SessionStoreContract;

/** The {@link SessionStore} contract against the DynamoDB adapter on DynamoDB Local (the template's table). */
class DynamoDbSessionStoreIT extends SessionStoreContract {
    @Override
    protected SessionStore store() {
        return new DynamoDbSessionStore(StackFixture.stack().dynamo(), "SessionsTable");
    }
}
