package dev.switchboard.adapter.dynamodb;

import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.DeleteRequest;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/** BatchWriteItem in groups of 25, retrying unprocessed items with a short back-off. */
final class BatchWrites {
    private static final int MAX_PER_BATCH = 25;
    private static final int MAX_ATTEMPTS = 8;

    private BatchWrites() {}

    static WriteRequest put(Map<String, AttributeValue> item) {
        return WriteRequest.builder().putRequest(PutRequest.builder().item(item).build()).build();
    }

    static WriteRequest delete(Map<String, AttributeValue> key) {
        return WriteRequest.builder().deleteRequest(DeleteRequest.builder().key(key).build()).build();
    }

    /** Deletes every item of partition {@code pk} (one consistent Query, then batches); returns their sort keys. */
    static List<String> deletePartition(DynamoDbClient dynamo, String table, String pk) {
        List<WriteRequest> deletes = new java.util.ArrayList<>();
        List<String> sortKeys = new java.util.ArrayList<>();
        for (Map<String, AttributeValue> item : dynamo.queryPaginator(b -> b.tableName(table)
                .keyConditionExpression("pk = :p")
                .expressionAttributeValues(Map.of(":p", AttributeValue.fromS(pk)))
                .projectionExpression("pk, sk")
                .consistentRead(true)).items()) {
            deletes.add(delete(item));
            sortKeys.add(item.get("sk").s());
        }
        write(dynamo, table, deletes);
        return sortKeys;
    }

    static void write(DynamoDbClient dynamo, String table, List<WriteRequest> requests) {
        for (int i = 0; i < requests.size(); i += MAX_PER_BATCH) {
            writeBatch(dynamo, table, requests.subList(i, Math.min(i + MAX_PER_BATCH, requests.size())));
        }
    }

    private static void writeBatch(DynamoDbClient dynamo, String table, List<WriteRequest> batch) {
        Map<String, List<WriteRequest>> pending = Map.of(table, batch);
        for (int attempt = 0; !pending.isEmpty(); attempt++) {
            if (attempt == MAX_ATTEMPTS) {
                throw new IllegalStateException("BatchWriteItem left items unprocessed after " + MAX_ATTEMPTS
                        + " attempts");
            }
            if (attempt > 0) {
                sleep(20L << attempt);
            }
            Map<String, List<WriteRequest>> request = pending;
            BatchWriteItemResponse r = dynamo.batchWriteItem(b -> b.requestItems(request));
            pending = r.hasUnprocessedItems() ? r.unprocessedItems() : Map.of();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while retrying BatchWriteItem", e);
        }
    }
}
