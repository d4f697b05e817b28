package dev.switchboard.infra;

import dev.switchboard.adapter.dynamodb.DynamoDbUsageCounters;
import dev.switchboard.port.UsageCounters;
import dev.switchboard.testing.UsageCountersContract;

/** The {@link UsageCounters} contract against the DynamoDB adapter on DynamoDB Local (the template's UserData table). */
class DynamoDbUsageCountersIT extends UsageCountersContract {
    @Override
    protected UsageCounters counters() {
        return new DynamoDbUsageCounters(StackFixture.stack().dynamo(), "UserDataTable");
    }
}
