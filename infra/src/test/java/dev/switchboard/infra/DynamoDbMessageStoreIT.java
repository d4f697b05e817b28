package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.adapter.dynamodb.DynamoDbMessageStore;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.Role;
import dev.switchboard.port.MessageStore;
import dev.switchboard.testing.MessageStoreContract;
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
        MessageStore flaky = new DynamoDbMessageStore(StackFixture.dynamo("WorkerFunction", loseFirstPutResponse),
                "MessagesTable");
        String user = "lost-" + UUID.randomUUID();
        StoredMessage answer = new StoredMessage(user, "s-1", "0000000001000-aaaaaaaa", Role.ASSISTANT, "answer", 1, "m");

        assertThat(flaky.putIfAbsent(answer)).as("its own write, applied on the first attempt").isTrue();
        assertThat(lost).as("the first response was lost").hasValue(1);
        assertThat(flaky.putIfAbsent(answer)).as("a later write of the same message").isFalse();
        assertThat(store().putIfAbsent(answer)).isFalse();
    }

    @Test
    void withARetentionEveryItemOfATurnExpiresThatManyDaysAfterItWasCreatedAndWithoutNone() {
        String user = "retained-" + UUID.randomUUID();
        long created = 1_800_000_000_000L;
        MessageStore retained = new DynamoDbMessageStore(StackFixture.stack().dynamo(), "MessagesTable", 30);
        retained.claimTurn(user, "s-1", "m-1", "1800000000000-aaaaaaaa", "f", created);
        retained.putIfAbsent(new StoredMessage(user, "s-1", "1800000000000-aaaaaaaa", Role.USER, "hi", created, null));
        store().putIfAbsent(new StoredMessage(user, "s-2", "1800000000000-bbbbbbbb", Role.USER, "kept", created, null));

        var items = StackFixture.stack().dynamo().scanPaginator(b -> b.tableName("MessagesTable")).items().stream()
                .filter(i -> i.get("pk").s().startsWith(user + "#")).toList();

        assertThat(items).hasSize(3);
        long expected = created / 1000 + 30 * 86_400L;
        assertThat(items.stream().filter(i -> i.get("pk").s().endsWith("#s-1")))
                .as("the claim and the message of the retained store").hasSize(2)
                .allSatisfy(i -> assertThat(i.get("expiresAt").n()).isEqualTo(Long.toString(expected)));
        assertThat(items.stream().filter(i -> i.get("pk").s().endsWith("#s-2")))
                .allSatisfy(i -> assertThat(i).doesNotContainKey("expiresAt"));
    }
}
