package dev.switchboard.infra;

import dev.switchboard.adapter.dynamodb.DynamoDbMessageStore;
import dev.switchboard.port.MessageStore;
import dev.switchboard.testing.MessageStoreContract;

/** The {@link MessageStore} contract against the DynamoDB adapter on DynamoDB Local (the template's table). */
class DynamoDbMessageStoreIT extends MessageStoreContract {
    @Override
    protected MessageStore store() {
        return new DynamoDbMessageStore(StackFixture.stack().dynamo(), "MessagesTable");
    }
}
