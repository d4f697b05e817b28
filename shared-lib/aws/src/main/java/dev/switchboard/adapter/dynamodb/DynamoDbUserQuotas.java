package dev.switchboard.adapter.dynamodb;

import static dev.switchboard.adapter.dynamodb.Attr.*;

import dev.switchboard.port.UserQuotas;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

/**
 * One item per user and UTC day in the UserData table (sk {@code Q#<yyyyMMdd>}, expiring after two days): a counter
 * per minute of the day ({@code t<minute>}) and the day's {@code tokens}. Starting a turn is one conditional
 * UpdateItem that checks both limits and counts the turn.
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
    public void addTokens(String userId, long nowMillis, long tokens) {
        if (tokens <= 0) {
            return;
        }
        dynamo.updateItem(b -> b.tableName(table).key(key(userId, dayKey(nowMillis)))
                .updateExpression("ADD tokens :n SET expiresAt = :ttl")
                .expressionAttributeValues(Map.of(":n", n(tokens), ":ttl", n(expiry(nowMillis)))));
    }
}
