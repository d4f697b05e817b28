package dev.switchboard.infra;

import dev.switchboard.adapter.dynamodb.DynamoDbUserHoldings;
import dev.switchboard.port.UserHoldings;
import dev.switchboard.testing.UserHoldingsContract;

class DynamoDbUserHoldingsIT extends UserHoldingsContract {
    @Override
    protected UserHoldings holdings() {
        return new DynamoDbUserHoldings(StackFixture.stack().dynamo(), "UserDataTable");
    }
}
