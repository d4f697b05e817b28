package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.adapter.dynamodb.DynamoDbMessageStore;
import dev.switchboard.config.Env;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.Role;
import dev.switchboard.port.MessageStore;
import dev.switchboard.adapter.aws.AwsClients;
import dev.switchboard.testing.MessageStoreContract;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;

/** The {@link MessageStore} contract against the DynamoDB adapter on DynamoDB Local (the template's table). */
class DynamoDbMessageStoreIT extends MessageStoreContract {
    @Override
    protected MessageStore store() {
        return new DynamoDbMessageStore(StackFixture.stack().dynamo(), "MessagesTable");
    }

    /**
     * DynamoDB applied the write, but its response was lost (here: turned into a 500 on the way back), so the SDK
     * retries it and the retry fails the condition on the item the same call stored. That is the call's own write:
     * putIfAbsent must say it wrote (the worker then sends {@code done}), and a second call must still say it did not.
     */
    @Test
    void aWriteWhoseResponseWasLostAndThatTheSdkRetriedStillCountsAsWritten() {
        AtomicInteger lost = new AtomicInteger();
        ExecutionInterceptor loseFirstPutResponse = new ExecutionInterceptor() {
            @Override
            public SdkHttpResponse modifyHttpResponse(Context.ModifyHttpResponse context,
                                                      ExecutionAttributes attributes) {
                if (context.request() instanceof PutItemRequest && context.httpResponse().isSuccessful()
                        && lost.compareAndSet(0, 1)) {
                    return context.httpResponse().toBuilder().statusCode(500).build();
                }
                return context.httpResponse();
            }
        };
        Env env = new Env(StackFixture.stack().environment("WorkerFunction"))
                .withExtra(AwsClients.Interceptors.class, new AwsClients.Interceptors(List.of(loseFirstPutResponse)));
        MessageStore flaky = new DynamoDbMessageStore(AwsClients.dynamoDb(env), "MessagesTable");
        String user = "lost-" + UUID.randomUUID();
        StoredMessage answer = new StoredMessage(user, "s-1", "0000000001000-aaaaaaaa", Role.ASSISTANT, "answer", 1, "m");

        assertThat(flaky.putIfAbsent(answer)).as("its own write, applied on the first attempt").isTrue();
        assertThat(lost).as("the first response was lost").hasValue(1);
        assertThat(flaky.putIfAbsent(answer)).as("a later write of the same message").isFalse();
        assertThat(store().putIfAbsent(answer)).isFalse();
    }
}
