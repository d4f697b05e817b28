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
 * the day's sum and only if absent, so a call is charged once; one item of running-answer slots (sk {@code R#slots}): an
 * attribute per session that holds a slot ({@code s:<sessionId>} = its turn's clientMessageId {@code c} and
 * {@code holdUntil} {@code h}) and their count {@code n}, so taking or releasing a slot is one conditional UpdateItem.
 * Starting a turn is one conditional UpdateItem that checks both limits and counts the turn.
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

    private static final String RUNNING = "R#slots";
    private static final String SLOT_PREFIX = "s:";
    private static final String COUNT = "n";
    /** Writes tried per take: each failed condition returns the item, so the next try is decided on what is stored. */
    private static final int TAKE_TRIES = 5;

    /**
     * One conditional UpdateItem in the usual case: a session without a slot takes one when fewer than
     * {@code slots} are counted ({@code n}); a session that holds one takes it over. Only when every slot is counted
     * does a second write free the lapsed ones (each still as it was read) and take one of them.
     */
    @Override
    public boolean tryTakeSlot(String userId, String sessionId, String clientMessageId, long nowMillis, int slots,
                               long holdMillis) {
        String own = SLOT_PREFIX + sessionId;
        AttributeValue slot = AttributeValue.fromM(Map.of("c", s(clientMessageId), "h", n(nowMillis + holdMillis)));
        AttributeValue ttl = n((nowMillis + holdMillis) / 1000 + 86_400);
        Map<String, AttributeValue> seen = null; // not read yet
        for (int attempt = 0; attempt < TAKE_TRIES; attempt++) {
            Map<String, String> names = new HashMap<>(Map.of("#a", own));
            Map<String, AttributeValue> values = new HashMap<>(Map.of(":slot", slot, ":ttl", ttl));
            String update;
            String condition;
            if (seen != null && seen.containsKey(own)) {
                update = "SET #a = :slot, expiresAt = :ttl"; // the session's slot follows its newest turn
                condition = "attribute_exists(#a)";
            } else if (seen == null || num(seen, COUNT) < slots) {
                update = "SET #a = :slot, expiresAt = :ttl ADD #n :one";
                condition = "attribute_not_exists(#a) AND (attribute_not_exists(#n) OR #n < :k)";
                names.put("#n", COUNT);
                values.putAll(Map.of(":one", n(1), ":k", n(slots)));
            } else {
                List<String> lapsed = new ArrayList<>();
                seen.forEach((name, value) -> {
                    if (name.startsWith(SLOT_PREFIX) && value.hasM() && num(value.m(), "h") < nowMillis) {
                        lapsed.add(name);
                    }
                });
                if (lapsed.isEmpty()) {
                    return false; // every slot is held by another session
                }
                StringBuilder remove = new StringBuilder();
                StringBuilder held = new StringBuilder("attribute_not_exists(#a) AND #n = :seen");
                for (int i = 0; i < lapsed.size(); i++) {
                    names.put("#l" + i, lapsed.get(i));
                    values.put(":h" + i, n(num(seen.get(lapsed.get(i)).m(), "h")));
                    remove.append(i == 0 ? " REMOVE " : ", ").append("#l").append(i);
                    held.append(" AND #l").append(i).append(".h = :h").append(i);
                }
                update = "SET #a = :slot, expiresAt = :ttl ADD #n :freed" + remove;
                condition = held.toString();
                names.put("#n", COUNT);
                values.putAll(Map.of(":seen", n(num(seen, COUNT)), ":freed", n(1 - lapsed.size())));
            }
            try {
                String u = update;
                String c = condition;
                dynamo.updateItem(b -> b.tableName(table).key(key(userId, RUNNING))
                        .updateExpression(u).conditionExpression(c)
                        .expressionAttributeNames(names).expressionAttributeValues(values)
                        .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
                return true;
            } catch (ConditionalCheckFailedException e) {
                seen = e.hasItem() ? e.item() : Map.of(); // another take or release came first: decide again
            }
        }
        return false;
    }

    @Override
    public void releaseSlot(String userId, String sessionId, String clientMessageId) {
        try {
            dynamo.updateItem(b -> b.tableName(table).key(key(userId, RUNNING))
                    .updateExpression("REMOVE #a ADD #n :less")
                    .conditionExpression("#a.c = :c")
                    .expressionAttributeNames(Map.of("#a", SLOT_PREFIX + sessionId, "#n", COUNT))
                    .expressionAttributeValues(Map.of(":c", s(clientMessageId), ":less", n(-1))));
        } catch (ConditionalCheckFailedException e) {
            // taken over by a newer turn of the session, or freed for another session after it lapsed
        }
    }
}
