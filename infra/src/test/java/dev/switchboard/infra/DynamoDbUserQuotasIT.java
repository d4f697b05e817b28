package dev.switchboard.infra;

import dev.switchboard.adapter.dynamodb.DynamoDbUserQuotas;
import dev.switchboard.port.UserQuotas;
import dev.switchboard.testing.UserQuotasContract;

class DynamoDbUserQuotasIT extends UserQuotasContract {
    @Override
    protected UserQuotas quotas() {
        return new DynamoDbUserQuotas(StackFixture.stack().dynamo(), "UserDataTable");
    }
}
