package dev.switchboard.infra.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Hermetic: the DynamoDB client talks to a canned HTTP client, so the counter sees real SDK executions. */
class AwsCallCounterTest {
    /** Answers every request with one status and body, and keeps the request bodies. */
    static final class CannedHttp implements SdkHttpClient {
        final List<String> bodies = new CopyOnWriteArrayList<>();
        volatile int status = 200;
        volatile String body = "{}";
        /** How long each answer takes. */
        volatile long delayMillis;

        @Override
        public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
            return new ExecutableHttpRequest() {
                @Override
                public HttpExecuteResponse call() {
                    request.contentStreamProvider().ifPresent(p -> {
                        try {
                            bodies.add(new String(p.newStream().readAllBytes(), StandardCharsets.UTF_8));
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
                    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                    try {
                        Thread.sleep(delayMillis);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return HttpExecuteResponse.builder()
                            .response(SdkHttpResponse.builder().statusCode(status)
                                    .putHeader("Content-Type", "application/x-amz-json-1.0")
                                    .putHeader("Content-Length", String.valueOf(bytes.length)).build())
                            .responseBody(AbortableInputStream.create(new ByteArrayInputStream(bytes)))
                            .build();
                }

                @Override
                public void abort() {}
            };
        }

        @Override
        public void close() {}
    }

    private static DynamoDbClient client(CannedHttp http, software.amazon.awssdk.core.interceptor.ExecutionInterceptor counter) {
        return DynamoDbClient.builder()
                .region(Region.US_EAST_1)
                .endpointOverride(URI.create("http://127.0.0.1:1"))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("a", "b")))
                .httpClient(http)
                .overrideConfiguration(o -> o.addExecutionInterceptor(counter).retryStrategy(RetryMode.STANDARD)
                        .retryStrategy(b -> b.maxAttempts(1)))
                .build();
    }

    @Test
    void countsRequestsByOperationAndSumsTheConsumedCapacityItAskedFor() {
        CannedHttp http = new CannedHttp();
        AwsCallCounter counter = new AwsCallCounter(true);
        try (DynamoDbClient dynamo = client(http, counter)) {
            http.body = "{\"ConsumedCapacity\":{\"TableName\":\"t\",\"CapacityUnits\":2.0}}";
            dynamo.putItem(b -> b.tableName("t").item(java.util.Map.of("pk", AttributeValue.fromS("a"))));
            dynamo.putItem(b -> b.tableName("t").item(java.util.Map.of("pk", AttributeValue.fromS("b"))));
            http.body = "{\"Items\":[],\"Count\":0,\"ConsumedCapacity\":{\"TableName\":\"t\",\"CapacityUnits\":0.5}}";
            dynamo.query(b -> b.tableName("t").keyConditionExpression("pk = :p")
                    .expressionAttributeValues(java.util.Map.of(":p", AttributeValue.fromS("a"))));
        }

        AwsCallCounter.Counts counts = counter.snapshot();
        assertThat(counts.of("DynamoDb.PutItem")).isEqualTo(2);
        assertThat(counts.of("DynamoDb.Query")).isEqualTo(1);
        assertThat(counts.total("DynamoDb.")).isEqualTo(3);
        assertThat(counts.writeUnits()).isEqualTo(4.0);
        assertThat(counts.readUnits()).isEqualTo(0.5);
        assertThat(http.bodies).allSatisfy(b -> assertThat(b).contains("\"ReturnConsumedCapacity\":\"TOTAL\""));
    }

    @Test
    void leavesRequestsAloneWithoutAskCapacityAndCountsFailures() {
        CannedHttp http = new CannedHttp();
        AwsCallCounter counter = new AwsCallCounter(false);
        try (DynamoDbClient dynamo = client(http, counter)) {
            http.status = 400;
            http.body = "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException\","
                    + "\"message\":\"no\"}";
            assertThatThrownBy(() -> dynamo.deleteItem(b -> b.tableName("t")
                    .key(java.util.Map.of("pk", AttributeValue.fromS("a")))))
                    .hasMessageContaining("no");
        }

        AwsCallCounter.Counts counts = counter.snapshot();
        assertThat(counts.of("DynamoDb.DeleteItem")).isEqualTo(1);
        assertThat(counts.failures()).containsEntry("DynamoDb.DeleteItem", 1L);
        assertThat(counts.capacityReports()).isZero();
        assertThat(http.bodies).singleElement().satisfies(b -> assertThat(b).doesNotContain("ReturnConsumedCapacity"));
        AwsCallCounter.Counts none = counts.minus(counts);
        assertThat(none.calls()).isEmpty();
    }

    @Test
    void theTimeWaitedForEachResponseIsSummedByOperation() {
        CannedHttp http = new CannedHttp();
        AwsCallCounter counter = new AwsCallCounter(false);
        try (DynamoDbClient dynamo = client(http, counter.forFunction("WorkerFunction"))) {
            http.delayMillis = 30;
            dynamo.getItem(b -> b.tableName("t").key(java.util.Map.of("pk", AttributeValue.fromS("a"))));
            dynamo.getItem(b -> b.tableName("t").key(java.util.Map.of("pk", AttributeValue.fromS("b"))));
            http.delayMillis = 0;
            dynamo.putItem(b -> b.tableName("t").item(java.util.Map.of("pk", AttributeValue.fromS("a"))));
        }

        AwsCallCounter.Counts counts = counter.snapshot();
        assertThat(counts.waitNanos()).containsOnlyKeys("DynamoDb.GetItem", "DynamoDb.PutItem");
        assertThat(counts.waitMillis("DynamoDb.GetItem")).as("two answers of 30 ms").isGreaterThanOrEqualTo(60);
        assertThat(counts.waitMillis("DynamoDb.PutItem")).isLessThan(30);
        assertThat(counts.waitMillis("DynamoDb.")).isGreaterThanOrEqualTo(60);
        assertThat(counts.minus(counts).waitNanos()).isEmpty();
    }

    @Test
    void aFunctionsViewCountsIntoTheSameCounterUnderTheFunctionsName() {
        CannedHttp http = new CannedHttp();
        AwsCallCounter counter = new AwsCallCounter(false);
        try (DynamoDbClient worker = client(http, counter.forFunction("WorkerFunction"));
             DynamoDbClient message = client(http, counter.forFunction("MessageFunction"))) {
            worker.getItem(b -> b.tableName("t").key(java.util.Map.of("pk", AttributeValue.fromS("a"))));
            message.getItem(b -> b.tableName("t").key(java.util.Map.of("pk", AttributeValue.fromS("a"))));
            message.getItem(b -> b.tableName("t").key(java.util.Map.of("pk", AttributeValue.fromS("b"))));
        }

        AwsCallCounter.Counts counts = counter.snapshot();
        assertThat(counts.calls()).containsExactly(java.util.Map.entry("DynamoDb.GetItem", 3L));
        assertThat(counts.byFunction()).containsEntry("WorkerFunction/DynamoDb.GetItem", 1L)
                .containsEntry("MessageFunction/DynamoDb.GetItem", 2L).hasSize(2);
    }
}
