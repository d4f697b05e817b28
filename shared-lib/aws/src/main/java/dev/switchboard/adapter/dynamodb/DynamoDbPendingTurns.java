package dev.switchboard.adapter.dynamodb;

import static dev.switchboard.adapter.dynamodb.Attr.*;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.port.PendingTurns;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Held queue jobs in the UserData table. A job is an item on its user's partition, sk
 * {@code P#<group>#<enqueuedAt, 13 digits>#<deduplication id>} (so a group's jobs sort in the order they were
 * accepted), holding the job's queue JSON; its group is listed on the index partition {@value #INDEX} (a key no token
 * subject can be: user ids never contain {@code /}), sk {@code <group>#<user>}. Held items expire after
 * {@value #KEEP_DAYS} days, the turns queue's own retention.
 */
public final class DynamoDbPendingTurns implements PendingTurns {
    static final String INDEX = "pending/turns";
    static final int KEEP_DAYS = 4;

    private final DynamoDbClient dynamo;
    private final String table;
    private final ObjectMapper json;

    public DynamoDbPendingTurns(DynamoDbClient dynamo, String table, ObjectMapper json) {
        this.dynamo = dynamo;
        this.table = table;
        this.json = json;
    }

    /** The sort key prefix of a group's held jobs. */
    static String prefix(String groupId) {
        return "P#" + groupId + "#";
    }

    private static String sortKey(TurnRequest job) {
        return prefix(job.groupId()) + String.format(Locale.ROOT, "%013d", job.enqueuedAt()) + "#"
                + job.deduplicationId();
    }

    @Override
    public void hold(TurnRequest job) {
        String body;
        try {
            body = json.writeValueAsString(job);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        long expires = System.currentTimeMillis() / 1000 + KEEP_DAYS * 86_400L;
        // the job first: a group listed in the index always has its job stored
        dynamo.putItem(b -> b.tableName(table).item(Map.of(PK, s(job.userId()), SK, s(sortKey(job)),
                "job", s(body), "expiresAt", n(expires))));
        dynamo.putItem(b -> b.tableName(table).item(Map.of(PK, s(INDEX), SK, s(job.groupId() + "#" + job.userId()),
                "userId", s(job.userId()), "groupId", s(job.groupId()), "expiresAt", n(expires))));
    }

    @Override
    public boolean holds(String userId, String groupId) {
        return dynamo.query(b -> b.tableName(table)
                .keyConditionExpression("pk = :u AND begins_with(sk, :p)")
                .expressionAttributeValues(Map.of(":u", s(userId), ":p", s(prefix(groupId))))
                .consistentRead(true)
                .limit(1)).count() > 0;
    }

    @Override
    public List<Group> groups(int limit) {
        return dynamo.query(b -> b.tableName(table)
                        .keyConditionExpression("pk = :i")
                        .expressionAttributeValues(Map.of(":i", s(INDEX)))
                        .consistentRead(true)
                        .limit(limit))
                .items().stream().map(i -> new Group(str(i, "userId"), str(i, "groupId"))).toList();
    }

    @Override
    public List<TurnRequest> held(Group group) {
        return dynamo.queryPaginator(b -> b.tableName(table)
                        .keyConditionExpression("pk = :u AND begins_with(sk, :p)")
                        .expressionAttributeValues(Map.of(":u", s(group.userId()), ":p", s(prefix(group.groupId()))))
                        .consistentRead(true))
                .items().stream().map(this::job).toList();
    }

    private TurnRequest job(Map<String, AttributeValue> item) {
        try {
            return json.readValue(str(item, "job"), TurnRequest.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("held job is not a queue job", e);
        }
    }

    @Override
    public void release(TurnRequest job) {
        dynamo.deleteItem(b -> b.tableName(table).key(key(job.userId(), sortKey(job))));
    }

    @Override
    public void unlist(Group group) {
        dynamo.deleteItem(b -> b.tableName(table).key(key(INDEX, group.groupId() + "#" + group.userId())));
    }
}
