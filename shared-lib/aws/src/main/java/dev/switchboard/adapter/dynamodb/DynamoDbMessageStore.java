package dev.switchboard.adapter.dynamodb;

import static dev.switchboard.adapter.dynamodb.Attr.*;

import dev.switchboard.domain.Branch;
import dev.switchboard.domain.Rating;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.Page;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.RunCheckpoint;
import dev.switchboard.domain.ToolCall;
import dev.switchboard.domain.TurnClaim;
import dev.switchboard.port.MessageStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/**
 * Messages table, one item per message. pk = {@code userId#sessionId} (owner first); sk =
 * {@code T#<turnId>#0} for the user message and {@code T#<turnId>#1} for the answer (turn ids sort by time), and
 * {@code C#<clientMessageId>} for the idempotency claim that binds a client message id to its turn, and
 * {@code S#<turnId>#<step>} for each tool call made while answering a turn (outside the {@code T#} range, so history
 * pages and the worker's recent-history read see user and assistant messages only), and {@code H#<turnId>} for the
 * hand-off checkpoint of a run that went on in the next invocation (outside that range too). With a retention
 * ({@code MESSAGE_RETENTION_DAYS} &gt; 0) every item carries the table's TTL attribute {@code expiresAt}, that many
 * days after the message was created, and DynamoDB removes it then.
 */
public final class DynamoDbMessageStore implements MessageStore {
    private static final String TURN_PREFIX = "T#";
    private static final String CLAIM_PREFIX = "C#";
    private static final String STEP_PREFIX = "S#";
    private static final String CHECKPOINT_PREFIX = "H#";
    private static final String SUPERSEDED = "superseded";
    private static final String RATING = "rating";
    private static final String RATING_COMMENT = "ratingComment";
    private static final String RATED_AT = "ratedAt";

    private static final long SECONDS_PER_DAY = 86_400;

    private final DynamoDbClient dynamo;
    private final String table;
    private final long retentionSeconds;

    /** A store whose messages are kept until deleted. */
    public DynamoDbMessageStore(DynamoDbClient dynamo, String table) {
        this(dynamo, table, 0);
    }

    /** A store whose items expire {@code retentionDays} after their creation (0: kept until deleted). */
    public DynamoDbMessageStore(DynamoDbClient dynamo, String table, int retentionDays) {
        if (retentionDays < 0) {
            throw new IllegalArgumentException("retention days must not be negative: " + retentionDays);
        }
        this.dynamo = dynamo;
        this.table = table;
        this.retentionSeconds = retentionDays * SECONDS_PER_DAY;
    }

    private void expire(Map<String, AttributeValue> item, long createdAtMillis) {
        if (retentionSeconds > 0) {
            item.put("expiresAt", n(createdAtMillis / 1000 + retentionSeconds));
        }
    }

    static String partition(String userId, String sessionId) {
        return userId + "#" + sessionId;
    }

    static String sortKey(String turnId, Role role) {
        return TURN_PREFIX + turnId + (role == Role.USER ? "#0" : "#1");
    }

    static String sortKey(StoredMessage m) {
        return m.role() == Role.TOOL ? STEP_PREFIX + m.turnId() + "#" + String.format(java.util.Locale.ROOT, "%04d",
                m.tool().step()) : sortKey(m.turnId(), m.role());
    }

    private Map<String, AttributeValue> claimItem(String userId, String sessionId, String clientMessageId,
                                                  String turnId, String fingerprint, long nowMillis) {
        Map<String, AttributeValue> claim = new HashMap<>(Map.of(PK, s(partition(userId, sessionId)),
                SK, s(CLAIM_PREFIX + clientMessageId), "turnId", s(turnId), "fingerprint", s(fingerprint),
                "createdAt", n(nowMillis)));
        expire(claim, nowMillis);
        return claim;
    }

    /** The claim's conditional Put (only if absent, the stored claim returned when it is not). */
    Put claimPut(String userId, String sessionId, String clientMessageId, String turnId, String fingerprint,
                 long nowMillis) {
        return Put.builder().tableName(table)
                .item(claimItem(userId, sessionId, clientMessageId, turnId, fingerprint, nowMillis))
                .conditionExpression("attribute_not_exists(pk)")
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                .build();
    }

    /** The message's Put, with no condition (a new turn's message, written with its claim). */
    Put messagePut(StoredMessage message) {
        return Put.builder().tableName(table).item(item(message)).build();
    }

    /**
     * The claim that failed {@link #claimPut}'s condition for the turn of {@code message}: fresh when it holds that
     * very candidate turn id (this write, applied before and repeated by the SDK with its ClientRequestToken).
     */
    TurnClaim claimFound(StoredMessage message, String clientMessageId, Map<String, AttributeValue> returned) {
        TurnClaim earlier = earlierClaim(message.userId(), message.sessionId(), clientMessageId, returned);
        return earlier.turnId().equals(message.turnId())
                ? new TurnClaim(earlier.turnId(), earlier.createdAtMillis(), true, earlier.fingerprint())
                : earlier;
    }

    /** The claim stored before (an item returned by a failed condition, else one strongly consistent read). */
    private TurnClaim earlierClaim(String userId, String sessionId, String clientMessageId,
                                   Map<String, AttributeValue> returned) {
        Map<String, AttributeValue> old = returned != null && !returned.isEmpty() ? returned
                : dynamo.getItem(b -> b.tableName(table).consistentRead(true)
                        .key(key(partition(userId, sessionId), CLAIM_PREFIX + clientMessageId))).item();
        return new TurnClaim(str(old, "turnId"), num(old, "createdAt"), false, str(old, "fingerprint"));
    }

    @Override
    public TurnClaim claimTurn(String userId, String sessionId, String clientMessageId, String candidateTurnId,
                               String fingerprint, long nowMillis) {
        try {
            Map<String, AttributeValue> claim = claimItem(userId, sessionId, clientMessageId, candidateTurnId,
                    fingerprint, nowMillis);
            dynamo.putItem(b -> b.tableName(table)
                    .item(claim)
                    .conditionExpression("attribute_not_exists(pk)")
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
            return new TurnClaim(candidateTurnId, nowMillis, true, fingerprint);
        } catch (ConditionalCheckFailedException e) {
            return earlierClaim(userId, sessionId, clientMessageId, e.hasItem() ? e.item() : null);
        }
    }

    /**
     * One TransactWriteItems of the two items (same partition): the claim, only if absent, and the user message. Its
     * ClientRequestToken (set by the SDK, the same on the SDK's retries) makes a retry of a write that was applied
     * but whose response was lost succeed; a claim found holding this very candidate turn id is that write too.
     */
    @Override
    public TurnClaim claimTurnWithMessage(StoredMessage message, String clientMessageId, String fingerprint) {
        try {
            dynamo.transactWriteItems(b -> b.transactItems(
                    TransactWriteItem.builder().put(claimPut(message.userId(), message.sessionId(), clientMessageId,
                            message.turnId(), fingerprint, message.createdAtMillis())).build(),
                    // no condition: the candidate turn id is new, and the claim's condition decides for both
                    TransactWriteItem.builder().put(messagePut(message)).build()));
            return new TurnClaim(message.turnId(), message.createdAtMillis(), true, fingerprint);
        } catch (TransactionCanceledException e) {
            if (!Cancellations.conditionFailed(e, 0)) {
                throw e; // the claim did not fail its condition: a conflict or a throttle, for the caller's retry
            }
            return claimFound(message, clientMessageId, Cancellations.reasons(e).get(0).item());
        }
    }

    @Override
    public boolean putIfAbsent(StoredMessage m) {
        // a write token tells our own write from another's: when DynamoDB applied the write but its response was lost,
        // the SDK's retry fails the condition on the item this very call stored, and that is still a success
        String token = java.util.UUID.randomUUID().toString();
        Map<String, AttributeValue> item = item(m);
        item.put("w", s(token));
        try {
            dynamo.putItem(b -> b.tableName(table).item(item).conditionExpression("attribute_not_exists(pk)")
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return e.hasItem() && token.equals(str(e.item(), "w"));
        }
    }

    @Override
    public boolean transition(StoredMessage next, dev.switchboard.domain.ToolStatus expectedStatus) {
        try {
            dynamo.putItem(b -> b.tableName(table).item(item(next))
                    .conditionExpression("#st = :e")
                    .expressionAttributeNames(Map.of("#st", "status"))
                    .expressionAttributeValues(Map.of(":e", s(expectedStatus.wire()))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    @Override
    public List<StoredMessage> toolCalls(String userId, String sessionId, String fromTurnId, String toTurnId) {
        List<StoredMessage> out = new ArrayList<>();
        for (Map<String, AttributeValue> item : dynamo.queryPaginator(b -> b.tableName(table)
                .keyConditionExpression("pk = :p AND sk BETWEEN :from AND :to")
                .expressionAttributeValues(Map.of(":p", s(partition(userId, sessionId)),
                        ":from", s(STEP_PREFIX + fromTurnId + "#"), ":to", s(STEP_PREFIX + toTurnId + "#~")))
                .consistentRead(true)).items()) {
            out.add(toMessage(userId, sessionId, item));
        }
        return out;
    }

    private Map<String, AttributeValue> item(StoredMessage m) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(PK, s(partition(m.userId(), m.sessionId())));
        item.put(SK, s(sortKey(m)));
        item.put("turnId", s(m.turnId()));
        item.put("role", s(m.role().name()));
        item.put("text", s(m.text()));
        item.put("createdAt", n(m.createdAtMillis()));
        if (m.model() != null) {
            item.put("model", s(m.model()));
        }
        if (m.stream() != null) {
            item.put("stream", s(m.stream().encode()));
        }
        if (m.status() != null) {
            item.put("status", s(m.status()));
        }
        ToolCall t = m.tool();
        if (t != null) {
            item.put("step", n(t.step()));
            item.put("toolCallId", s(t.toolCallId()));
            item.put("toolName", s(t.name()));
            item.put("toolArgs", s(t.arguments()));
            item.put("seqBase", n(t.seqBase()));
            if (t.roundText() != null) {
                item.put("roundText", s(t.roundText()));
            }
        }
        branchAndRating(item, m);
        expire(item, m.createdAtMillis());
        return item;
    }

    private static void branchAndRating(Map<String, AttributeValue> item, StoredMessage m) {
        if (m.branch().answerOf() != null) {
            item.put("answerOf", s(m.branch().answerOf()));
        }
        if (m.branch().edits() != null) {
            item.put("edits", s(m.branch().edits()));
        }
        if (m.branch().superseded()) {
            item.put(SUPERSEDED, AttributeValue.fromBool(true));
        }
        if (m.rating() != null) {
            item.putAll(ratingValues(m.rating()));
        }
    }

    private static Map<String, AttributeValue> ratingValues(Rating r) {
        Map<String, AttributeValue> values = new HashMap<>(Map.of(RATING, s(r.value().wire()),
                RATED_AT, n(r.ratedAtMillis())));
        if (r.comment() != null) {
            values.put(RATING_COMMENT, s(r.comment()));
        }
        return values;
    }

    @Override
    public int supersede(String userId, String sessionId, String fromTurnId, String beforeTurnId,
                         boolean keepFirstQuestion) {
        String pk = partition(userId, sessionId);
        int marked = 0;
        for (Map<String, AttributeValue> item : dynamo.queryPaginator(b -> b.tableName(table)
                .keyConditionExpression("pk = :p AND sk BETWEEN :from AND :to")
                .expressionAttributeValues(Map.of(":p", s(pk), ":from", s(sortKey(fromTurnId, Role.USER)),
                        ":to", s(TURN_PREFIX + beforeTurnId)))
                .projectionExpression("sk, superseded")
                .consistentRead(true)).items()) {
            String sk = str(item, SK);
            if (item.containsKey(SUPERSEDED) || keepFirstQuestion && sk.equals(sortKey(fromTurnId, Role.USER))) {
                continue;
            }
            try {
                dynamo.updateItem(b -> b.tableName(table).key(key(pk, sk))
                        .updateExpression("SET superseded = :t")
                        .conditionExpression("attribute_exists(pk) AND attribute_not_exists(superseded)")
                        .expressionAttributeValues(Map.of(":t", AttributeValue.fromBool(true))));
                marked++;
            } catch (ConditionalCheckFailedException e) {
                // marked meanwhile by another run, or deleted with its session
            }
        }
        return marked;
    }

    @Override
    public java.util.Optional<StoredMessage> rate(String userId, String sessionId, String turnId, Rating rating) {
        Map<String, AttributeValue> values = new HashMap<>();
        String update;
        if (rating == null) {
            update = "REMOVE rating, ratingComment, ratedAt";
        } else {
            Map<String, AttributeValue> set = ratingValues(rating);
            update = "SET rating = :rating, ratedAt = :ratedAt"
                    + (rating.comment() != null ? ", ratingComment = :ratingComment" : "")
                    + (rating.comment() == null ? " REMOVE ratingComment" : "");
            set.forEach((k, v) -> values.put(":" + k, v));
        }
        try {
            Map<String, AttributeValue> old = dynamo.updateItem(b -> b.tableName(table)
                    .key(key(partition(userId, sessionId), sortKey(turnId, Role.ASSISTANT)))
                    .updateExpression(update)
                    .conditionExpression("attribute_exists(pk)")
                    .expressionAttributeValues(values.isEmpty() ? null : values)
                    .returnValues(software.amazon.awssdk.services.dynamodb.model.ReturnValue.ALL_OLD)).attributes();
            return java.util.Optional.of(toMessage(userId, sessionId, old));
        } catch (ConditionalCheckFailedException e) {
            return java.util.Optional.empty();
        }
    }

    @Override
    public Page<StoredMessage> history(String userId, String sessionId, int limit, String cursor) {
        String pk = partition(userId, sessionId);
        QueryResponse r = dynamo.query(b -> b.tableName(table)
                .keyConditionExpression("pk = :p AND begins_with(sk, :t)")
                .expressionAttributeValues(Map.of(":p", s(pk), ":t", s(TURN_PREFIX)))
                .exclusiveStartKey(startKey(pk, cursor, TURN_PREFIX))
                .scanIndexForward(false)
                .limit(limit + 1));
        Page<StoredMessage> newestFirst = page(r, limit, i -> toMessage(userId, sessionId, i));
        List<StoredMessage> items = new ArrayList<>(newestFirst.items());
        java.util.Collections.reverse(items);
        return new Page<>(items, newestFirst.nextCursor());
    }

    @Override
    public List<StoredMessage> fromTurn(String userId, String sessionId, String fromTurnId, int limit) {
        String pk = partition(userId, sessionId);
        // one Query when the messages fit DynamoDB's 1 MB page, the next page only when they do not
        return dynamo.queryPaginator(b -> b.tableName(table)
                        .keyConditionExpression("pk = :p AND sk BETWEEN :from AND :to")
                        .expressionAttributeValues(Map.of(":p", s(pk),
                                ":from", s(fromTurnId == null ? TURN_PREFIX : TURN_PREFIX + fromTurnId + "#"),
                                ":to", s(TURN_PREFIX + "~")))
                        .limit(limit))
                .items().stream().limit(limit).map(i -> toMessage(userId, sessionId, i)).toList();
    }

    @Override
    public String cursorBefore(StoredMessage message) {
        return cursorOf(Map.of(SK, s(sortKey(message.turnId(), message.role()))));
    }

    @Override
    public List<StoredMessage> recentUpTo(String userId, String sessionId, String turnId, int count) {
        QueryResponse r = dynamo.query(b -> b.tableName(table)
                .keyConditionExpression("pk = :p AND sk BETWEEN :from AND :to")
                .expressionAttributeValues(Map.of(
                        ":p", s(partition(userId, sessionId)),
                        ":from", s(TURN_PREFIX),
                        ":to", s(sortKey(turnId, Role.ASSISTANT))))
                .scanIndexForward(false)
                .consistentRead(true)
                .limit(count));
        List<StoredMessage> items = new ArrayList<>(r.items().stream().map(i -> toMessage(userId, sessionId, i)).toList());
        java.util.Collections.reverse(items);
        return items;
    }

    @Override
    public void saveCheckpoint(RunCheckpoint c) {
        Map<String, AttributeValue> item = new HashMap<>(Map.of(PK, s(partition(c.userId(), c.sessionId())),
                SK, s(CHECKPOINT_PREFIX + c.turnId()), "turnId", s(c.turnId()), "text", s(c.text()),
                "stream", s(c.stream().encode()), "handoffs", n(c.handoffs()), "runStartedAt", n(c.runStartedMillis()),
                "inputTokens", n(c.inputTokens()), "outputTokens", n(c.outputTokens())));
        item.put("handedOffBy", n(c.handedOffBy()));
        if (!c.served().isEmpty()) {
            item.put("served", AttributeValue.fromL(c.served().stream().map(r -> s(r.encode())).toList()));
        }
        expire(item, c.runStartedMillis());
        dynamo.putItem(b -> b.tableName(table).item(item));
    }

    @Override
    public java.util.Optional<RunCheckpoint> checkpoint(String userId, String sessionId, String turnId) {
        Map<String, AttributeValue> item = dynamo.getItem(b -> b.tableName(table).consistentRead(true)
                .key(key(partition(userId, sessionId), CHECKPOINT_PREFIX + turnId))).item();
        if (item == null || item.isEmpty()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new RunCheckpoint(userId, sessionId, turnId, str(item, "text"),
                dev.switchboard.domain.StreamMarks.decode(str(item, "stream")), (int) num(item, "handoffs"),
                num(item, "runStartedAt"), num(item, "inputTokens"), num(item, "outputTokens"),
                num(item, "handedOffBy"), !item.containsKey("served") ? List.of() : item.get("served").l().stream()
                        .map(v -> dev.switchboard.domain.ResumeRequest.decode(v.s()))
                        .filter(java.util.Objects::nonNull).toList()));
    }

    @Override
    public void clearCheckpoint(String userId, String sessionId, String turnId) {
        dynamo.deleteItem(b -> b.tableName(table).key(key(partition(userId, sessionId), CHECKPOINT_PREFIX + turnId)));
    }

    @Override
    public int deleteSession(String userId, String sessionId) {
        return (int) BatchWrites.deletePartition(dynamo, table, partition(userId, sessionId)).stream()
                .filter(sk -> sk.startsWith(TURN_PREFIX)).count();
    }

    private static StoredMessage toMessage(String userId, String sessionId, Map<String, AttributeValue> item) {
        ToolCall tool = item.containsKey("toolCallId") ? new ToolCall((int) num(item, "step"), str(item, "toolCallId"),
                str(item, "toolName"), str(item, "toolArgs"), str(item, "roundText"), (int) num(item, "seqBase"))
                : null;
        return new StoredMessage(userId, sessionId, str(item, "turnId"), Role.valueOf(str(item, "role")),
                str(item, "text"), num(item, "createdAt"), str(item, "model"), str(item, "status"), tool,
                dev.switchboard.domain.StreamMarks.decode(str(item, "stream")),
                new Branch(str(item, "answerOf"), str(item, "edits"), item.containsKey(SUPERSEDED)),
                item.containsKey(RATING) ? new Rating(Rating.Value.fromWire(str(item, RATING)),
                        str(item, RATING_COMMENT), num(item, RATED_AT)) : null);
    }
}
