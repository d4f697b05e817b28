package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.adapter.aws.AwsClients;
import dev.switchboard.adapter.dynamodb.DynamoDbUserQuotas;
import dev.switchboard.config.Env;
import dev.switchboard.port.UserQuotas;
import dev.switchboard.port.UserQuotas.Verdict;
import dev.switchboard.testing.UserQuotasContract;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

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
        ExecutionInterceptor counting = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                requests.incrementAndGet();
            }
        };
        Env env = new Env(StackFixture.stack().environment("WorkerFunction"))
                .withExtra(AwsClients.Interceptors.class, new AwsClients.Interceptors(List.of(counting)));
        UserQuotas counted = new DynamoDbUserQuotas(AwsClients.dynamoDb(env), TABLE);
        assertThat(counted.tryTakeSlot(user, "s3", "c3", NOW + 1, 2, 60_000)).isTrue();
        assertThat(requests).as("one conditional write, the item found").hasValue(1);
    }

    private boolean slotsItemExists() {
        return StackFixture.stack().dynamo().query(b -> b.tableName(TABLE).consistentRead(true)
                .keyConditionExpression("pk = :pk")
                .expressionAttributeValues(java.util.Map.of(":pk", AttributeValue.fromS(user))))
                .items().stream().anyMatch(i -> i.get("sk").s().equals("R#slots"));
    }
}
