package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.adapter.dynamodb.DynamoDbUserQuotas;
import dev.switchboard.port.UserQuotas;
import dev.switchboard.port.UserQuotas.Verdict;
import dev.switchboard.testing.UserQuotasContract;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class DynamoDbUserQuotasIT extends UserQuotasContract {
    private static final String TABLE = "UserDataTable";
    private static final long NOW = 1_795_000_020_000L;

    @Override
    protected UserQuotas quotas() {
        return new DynamoDbUserQuotas(StackFixture.stack().dynamo(), TABLE);
    }

    @Test
    void releasingTheLastSlotLeavesNoEmptySlotsItemAndReleasingOneOfTwoKeepsTheOther() {
        assertThat(quotas.tryStartTurnWithSlot(user, "s1", "c1", NOW, 0, 0, 2, 60_000)).isEqualTo(Verdict.OK);
        assertThat(quotas.tryStartTurnWithSlot(user, "s2", "c2", NOW, 0, 0, 2, 60_000)).isEqualTo(Verdict.OK);

        quotas.releaseSlot(user, "s1", "c1");
        assertThat(slotsItemExists()).as("s2 still holds a slot").isTrue();

        quotas.releaseSlot(user, "s2", "c2");
        // a deleted user's racing turn releases its slot last: nothing of the user may stay behind
        assertThat(slotsItemExists()).as("no empty R#slots item").isFalse();
    }

    private boolean slotsItemExists() {
        return StackFixture.stack().dynamo().query(b -> b.tableName(TABLE).consistentRead(true)
                .keyConditionExpression("pk = :pk")
                .expressionAttributeValues(java.util.Map.of(":pk", AttributeValue.fromS(user))))
                .items().stream().anyMatch(i -> i.get("sk").s().equals("R#slots"));
    }
}
