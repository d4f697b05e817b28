package dev.switchboard.infra;

import dev.switchboard.adapter.dynamodb.DynamoDbPendingTurns;
import dev.switchboard.port.PendingTurns;
import dev.switchboard.protocol.ProtocolCodec;
import dev.switchboard.testing.PendingTurnsContract;

class DynamoDbPendingTurnsIT extends PendingTurnsContract {
    @Override
    protected PendingTurns pending() {
        return new DynamoDbPendingTurns(StackFixture.stack().dynamo(), "UserDataTable", new ProtocolCodec().mapper());
    }
}
