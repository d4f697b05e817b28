package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.adapter.dynamodb.DynamoDbUserQuotas;
import dev.switchboard.port.UserQuotas;
import dev.switchboard.port.UserQuotas.Verdict;
import dev.switchboard.testing.UserQuotasContract;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;

class DynamoDbUserQuotasIT extends UserQuotasContract {
    private static final String TABLE = "UserDataTable";
    private static final long NOW = 1_795_000_020_000L;

    @Override
    protected UserQuotas quotas() {
        return new DynamoDbUserQuotas(StackFixture.stack().dynamo(), TABLE);
    }

    @Test
    void releasingTheLastSlotKeepsTheSlotsItemSoTheNextTakeIsOneWrite() {
        assertThat(quotas.tryStartTurnWithSlot(user, "s1", "c1", NOW, 0, 0, 2, 60_000)).isEqualTo(Verdict.OK);
        assertThat(quotas.tryStartTurnWithSlot(user, "s2", "c2", NOW, 0, 0, 2, 60_000)).isEqualTo(Verdict.OK);

        quotas.releaseSlot(user, "s1", "c1");
        quotas.releaseSlot(user, "s2", "c2");
        assertThat(slotsItemExists()).as("the empty R#slots item stays").isTrue();

        AtomicInteger requests = new AtomicInteger();
        UserQuotas counted = quotasWith(requests, 0);
        assertThat(counted.tryTakeSlot(user, "s3", "c3", NOW + 1, 2, 60_000)).isTrue();
        assertThat(requests).as("one conditional write, the item found").hasValue(1);
    }

    /** Quotas whose client counts its requests and refuses the first {@code refusals} three-item transactions. */
    private UserQuotas quotasWith(AtomicInteger requests, int refusals) {
        AtomicInteger left = new AtomicInteger(refusals);
        ExecutionInterceptor interceptor = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                requests.incrementAndGet();
                if (context.request() instanceof TransactWriteItemsRequest t && t.transactItems().size() == 3
                        && left.getAndDecrement() > 0) {
                    throw SdkClientException.create("the transaction timed out (injected)");
                }
            }
        };
        return new DynamoDbUserQuotas(StackFixture.dynamo("WorkerFunction", interceptor), TABLE);
    }

    @Test
    void theLastChargeWithTheSlotsReleaseIsOneRequest() {
        assertThat(quotas.tryTakeSlot(user, "s1", "c1", NOW, 1, 60_000)).isTrue();
        AtomicInteger requests = new AtomicInteger();
        assertThat(quotasWith(requests, 0).chargeAndReleaseSlot(user, "t-1#1#0", NOW, 70, "s1", "c1")).isTrue();
        assertThat(requests).hasValue(1);
        assertThat(quotas.tokensUsed(user, NOW)).isEqualTo(70);
        assertThat(quotas.tryTakeSlot(user, "s2", "c1", NOW, 1, 60_000)).as("the slot is free").isTrue();
    }

    @Test
    void aTransactionThatFailsOtherwiseIsWrittenAsItsTwoParts() {
        assertThat(quotas.tryTakeSlot(user, "s1", "c1", NOW, 1, 60_000)).isTrue();
        AtomicInteger requests = new AtomicInteger();
        assertThat(quotasWith(requests, 1).chargeAndReleaseSlot(user, "t-1#1#0", NOW, 70, "s1", "c1")).isTrue();
        assertThat(requests).as("the refused transaction, then the charge and the release").hasValue(3);
        assertThat(quotas.tokensUsed(user, NOW)).as("charged once").isEqualTo(70);
        assertThat(quotas.tryTakeSlot(user, "s2", "c1", NOW, 1, 60_000)).as("the slot is free").isTrue();
    }

    private boolean slotsItemExists() {
        return StackFixture.stack().dynamo().query(b -> b.tableName(TABLE).consistentRead(true)
                .keyConditionExpression("pk = :pk")
                .expressionAttributeValues(java.util.Map.of(":pk", AttributeValue.fromS(user))))
                .items().stream().anyMatch(i -> i.get("sk").s().equals("R#slots"));
    }
}
