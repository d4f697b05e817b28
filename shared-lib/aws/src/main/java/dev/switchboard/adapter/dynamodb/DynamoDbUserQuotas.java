package dev.switchboard.adapter.dynamodb;

import static dev.switchboard.adapter.dynamodb.Attr.*;

import dev.switchboard.port.UserQuotas;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;

/**
 * Items in the UserData table, under the user's partition: one per UTC day (sk {@code Q#<yyyyMMdd>}, expiring after
 * two days) with a counter per minute of the day ({@code t<minute>}) and the day's {@code tokens}; one per charged
 * model call (sk {@code C#<callId>}, its tokens and day, expiring after two days), written in one transaction with
 * the day's sum and only if absent, so a call is charged once; one per running-answer slot (sk {@code R#<k>}, k
 * below the limit: the holding session, its turn's clientMessageId and {@code holdUntil}), each taken with a
 * conditional write. Starting a turn is one conditional UpdateItem that checks both limits and counts the turn.
 */
public final class DynamoDbUserQuotas implements UserQuotas {
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC);

    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbUserQuotas(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    static String dayKey(long nowMillis) {
        return "Q#" + DAY.format(Instant.ofEpochMilli(nowMillis));
    }

    static String minuteAttribute(long nowMillis) {
        return "t" + (nowMillis / 60_000) % 1440;
    }

    private static long expiry(long nowMillis) {
        return nowMillis / 1000 + 2 * 86_400;
    }

    @Override
    public Verdict tryStartTurn(String userId, long nowMillis, int turnsPerMinute, long tokensPerDay) {
        String minute = minuteAttribute(nowMillis);
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":one", n(1));
        values.put(":ttl", n(expiry(nowMillis)));
        StringBuilder condition = new StringBuilder();
        if (turnsPerMinute > 0) {
            values.put(":turns", n(turnsPerMinute));
            condition.append("(attribute_not_exists(#m) OR #m < :turns)");
        }
        if (tokensPerDay > 0) {
            values.put(":tokens", n(tokensPerDay));
            condition.append(condition.isEmpty() ? "" : " AND ").append("(attribute_not_exists(tokens) OR tokens < :tokens)");
        }
        try {
            dynamo.updateItem(b -> b.tableName(table).key(key(userId, dayKey(nowMillis)))
                    .updateExpression("ADD #m :one SET expiresAt = :ttl")
                    .conditionExpression(condition.isEmpty() ? null : condition.toString())
                    .expressionAttributeNames(Map.of("#m", minute))
                    .expressionAttributeValues(values)
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
            return Verdict.OK;
        } catch (ConditionalCheckFailedException e) {
            Map<String, AttributeValue> old = e.hasItem() ? e.item() : Map.of();
            return turnsPerMinute > 0 && num(old, minute) >= turnsPerMinute ? Verdict.TURNS_PER_MINUTE
                    : Verdict.TOKENS_PER_DAY;
        }
    }

    @Override
    public boolean charge(String userId, String callId, long nowMillis, long tokens) {
        long amount = Math.max(0, tokens);
        Map<String, AttributeValue> call = new HashMap<>(key(userId, "C#" + callId));
        call.put("tokens", n(amount));
        call.put("day", s(dayKey(nowMillis)));
        call.put("chargedAt", n(nowMillis));
        call.put("expiresAt", n(expiry(nowMillis)));
        try {
            dynamo.transactWriteItems(b -> b.transactItems(
                    TransactWriteItem.builder().put(Put.builder().tableName(table).item(call)
                            .conditionExpression("attribute_not_exists(pk)").build()).build(),
                    TransactWriteItem.builder().update(Update.builder().tableName(table)
                            .key(key(userId, dayKey(nowMillis)))
                            .updateExpression("ADD tokens :n SET expiresAt = :ttl")
                            .expressionAttributeValues(Map.of(":n", n(amount), ":ttl", n(expiry(nowMillis))))
                            .build()).build()));
            return true;
        } catch (TransactionCanceledException e) {
            List<CancellationReason> reasons = e.hasCancellationReasons() ? e.cancellationReasons() : List.of();
            if (!reasons.isEmpty() && "ConditionalCheckFailed".equals(reasons.get(0).code())) {
                return false; // this call's charge is stored already
            }
            throw e;
        }
    }

    @Override
    public long tokensUsed(String userId, long nowMillis) {
        var item = dynamo.getItem(b -> b.tableName(table).key(key(userId, dayKey(nowMillis))).consistentRead(true)
                .projectionExpression("tokens")).item();
        return item == null ? 0 : num(item, "tokens");
    }

    @Override
    public boolean tryTakeSlot(String userId, String sessionId, String clientMessageId, long nowMillis, int slots,
                               long holdMillis) {
        Map<Integer, Map<String, AttributeValue>> held = slots(userId);
        List<Integer> candidates = new ArrayList<>();
        held.forEach((k, item) -> {
            if (sessionId.equals(str(item, "sessionId"))) {
                candidates.add(k); // the session's own slot first: a session never holds two
            }
        });
        for (int k = 0; k < slots; k++) {
            Map<String, AttributeValue> item = held.get(k);
            if (item == null || num(item, "holdUntil") < nowMillis) {
                candidates.add(k);
            }
        }
        for (int k : candidates) {
            Map<String, AttributeValue> slot = new HashMap<>(key(userId, "R#" + k));
            slot.put("sessionId", s(sessionId));
            slot.put("clientMessageId", s(clientMessageId));
            slot.put("holdUntil", n(nowMillis + holdMillis));
            slot.put("expiresAt", n((nowMillis + holdMillis) / 1000 + 86_400));
            try {
                dynamo.putItem(b -> b.tableName(table).item(slot)
                        .conditionExpression("attribute_not_exists(pk) OR holdUntil < :now OR sessionId = :s")
                        .expressionAttributeValues(Map.of(":now", n(nowMillis), ":s", s(sessionId))));
                return true;
            } catch (ConditionalCheckFailedException e) {
                // another session took it first: try the next
            }
        }
        return false;
    }

    @Override
    public void releaseSlot(String userId, String sessionId, String clientMessageId) {
        for (var slot : slots(userId).entrySet()) {
            if (sessionId.equals(str(slot.getValue(), "sessionId"))
                    && clientMessageId.equals(str(slot.getValue(), "clientMessageId"))) {
                try {
                    dynamo.deleteItem(b -> b.tableName(table).key(key(userId, "R#" + slot.getKey()))
                            .conditionExpression("sessionId = :s AND clientMessageId = :c")
                            .expressionAttributeValues(Map.of(":s", s(sessionId), ":c", s(clientMessageId))));
                } catch (ConditionalCheckFailedException e) {
                    // taken over by a newer turn of the session, or by another session after it lapsed
                }
            }
        }
    }

    /** The user's slot items by slot number (one strongly consistent Query). */
    private Map<Integer, Map<String, AttributeValue>> slots(String userId) {
        Map<Integer, Map<String, AttributeValue>> held = new HashMap<>();
        for (var item : dynamo.queryPaginator(b -> b.tableName(table).consistentRead(true)
                .keyConditionExpression("pk = :p AND begins_with(sk, :r)")
                .expressionAttributeValues(Map.of(":p", s(userId), ":r", s("R#")))).items()) {
            held.put(Integer.parseInt(str(item, SK).substring(2)), item);
        }
        return held;
    }
}
