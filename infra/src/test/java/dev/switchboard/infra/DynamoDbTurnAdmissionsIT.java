package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.adapter.dynamodb.DynamoDbMessageStore;
import dev.switchboard.adapter.dynamodb.DynamoDbSessionStore;
import dev.switchboard.adapter.dynamodb.DynamoDbTurnAdmissions;
import dev.switchboard.adapter.dynamodb.DynamoDbUserQuotas;
import dev.switchboard.domain.Branch;
import dev.switchboard.domain.Ids;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.Session;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.port.TurnAdmissions;
import dev.switchboard.testing.TurnAdmissionsContract;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** The {@link TurnAdmissions} contract against the DynamoDB adapter on DynamoDB Local (the template's tables). */
class DynamoDbTurnAdmissionsIT extends TurnAdmissionsContract {
    private static final long NOW = 1_795_000_020_000L;

    @Override
    protected Stores stores() {
        return stores(StackFixture.stack().dynamo());
    }

    private static Stores stores(DynamoDbClient dynamo) {
        var sessions = new DynamoDbSessionStore(dynamo, "SessionsTable");
        var messages = new DynamoDbMessageStore(dynamo, "MessagesTable");
        var quotas = new DynamoDbUserQuotas(dynamo, "UserDataTable");
        return new Stores(new DynamoDbTurnAdmissions(dynamo, sessions, messages, quotas), sessions, messages, quotas);
    }

    @Test
    void aLaterTurnIsOneRequestWithTheLimitsAndWithout() {
        AtomicInteger requests = new AtomicInteger();
        ExecutionInterceptor counting = new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                requests.incrementAndGet();
            }
        };
        Stores counted = stores(StackFixture.dynamo("MessageFunction", counting));
        String user = "lean-" + UUID.randomUUID();
        Ids ids = new Ids();
        counted.sessions().createIfAbsent(new Session(user, "s1", "t", NOW, NOW));
        TurnAdmissions.Quota quota = new TurnAdmissions.Quota(20, 1_000, 4, 60_000);
        assertThat(counted.admissions().admit(message(user, ids.newTurnId(NOW)), "c1", "f", quota))
                .isInstanceOf(TurnAdmissions.Admitted.class);
        counted.quotas().releaseSlot(user, "s1", "c1"); // the first turn ended: the slots item stays, empty

        requests.set(0);
        assertThat(counted.admissions().admit(message(user, ids.newTurnId(NOW + 1)), "c2", "f", quota))
                .isInstanceOf(TurnAdmissions.Admitted.class);
        assertThat(requests).as("with limits: one TransactWriteItems").hasValue(1);

        requests.set(0);
        assertThat(counted.admissions().admit(message(user, ids.newTurnId(NOW + 2)), "c3", "f", null))
                .isInstanceOf(TurnAdmissions.Admitted.class);
        assertThat(requests).as("without limits: one TransactWriteItems").hasValue(1);
    }

    private static StoredMessage message(String user, String turnId) {
        return new StoredMessage(user, "s1", turnId, Role.USER, "hello", NOW, null, null, null, null, Branch.NONE,
                null);
    }
}
