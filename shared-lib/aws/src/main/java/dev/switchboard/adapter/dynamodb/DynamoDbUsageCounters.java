package dev.switchboard.adapter.dynamodb;

import static dev.switchboard.adapter.dynamodb.Attr.*;

import dev.switchboard.port.UsageCounters;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

/**
 * Usage counters in the UserData table, in a partition no user can have ({@value #PARTITION}: user ids never contain
 * {@code #}): one item per UTC minute, sk = {@code M#yyyy-MM-ddTHH:mm}, each counter an attribute {@code v.<name>}
 * changed with UpdateItem ADD (atomic, so instances never lose each other's counts), gauges raised with a conditional
 * SET, and the TTL attribute {@code expiresAt} set {@value UsageCounters#RETENTION_DAYS} days after the minute. All
 * writers of a minute write one item: DynamoDB takes about 1,000 writes a second on one item's partition, far above
 * one write per worker batch.
 */
public final class DynamoDbUsageCounters implements UsageCounters {
    public static final String PARTITION = "#stats";
    static final String PREFIX = "M#";
    private static final String VALUE = "v.";
    private static final DateTimeFormatter MINUTE =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm").withZone(ZoneOffset.UTC);

    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbUsageCounters(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    static String sortKey(long epochMinute) {
        return PREFIX + MINUTE.format(Instant.ofEpochSecond(epochMinute * 60));
    }

    static long epochMinute(String sortKey) {
        return LocalDateTime.parse(sortKey.substring(PREFIX.length()), MINUTE).toEpochSecond(ZoneOffset.UTC) / 60;
    }

    private static long expiresAt(long epochMinute) {
        return epochMinute * 60 + ChronoUnit.DAYS.getDuration().getSeconds() * RETENTION_DAYS;
    }

    @Override
    public void add(long nowMillis, Map<String, Long> amounts) {
        long minute = nowMillis / 60_000;
        List<String> adds = new ArrayList<>();
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        int i = 0;
        for (var e : new LinkedHashMap<>(amounts).entrySet()) {
            UsageCounters.checkName(e.getKey());
            if (e.getValue() == null || e.getValue() == 0) {
                continue;
            }
            names.put("#a" + i, VALUE + e.getKey());
            values.put(":v" + i, n(e.getValue()));
            adds.add("#a" + i + " :v" + i);
            i++;
        }
        if (adds.isEmpty()) {
            return;
        }
        values.put(":ttl", n(expiresAt(minute)));
        dynamo.updateItem(b -> b.tableName(table).key(key(PARTITION, sortKey(minute)))
                .updateExpression("ADD " + String.join(", ", adds) + " SET expiresAt = if_not_exists(expiresAt, :ttl)")
                .expressionAttributeNames(names)
                .expressionAttributeValues(values)
                .returnValues(ReturnValue.NONE));
    }

    @Override
    public void max(long nowMillis, String gauge, long value) {
        long minute = nowMillis / 60_000;
        try {
            dynamo.updateItem(b -> b.tableName(table).key(key(PARTITION, sortKey(minute)))
                    .updateExpression("SET #g = :v, expiresAt = if_not_exists(expiresAt, :ttl)")
                    .conditionExpression("attribute_not_exists(#g) OR #g < :v")
                    .expressionAttributeNames(Map.of("#g", VALUE + UsageCounters.checkName(gauge)))
                    .expressionAttributeValues(Map.of(":v", n(value), ":ttl", n(expiresAt(minute))))
                    .returnValues(ReturnValue.NONE));
        } catch (ConditionalCheckFailedException e) {
            // another instance reported a larger value this minute
        }
    }

    @Override
    public List<Minute> read(long fromMinute, long toMinute) {
        List<Minute> out = new ArrayList<>();
        if (toMinute < fromMinute) {
            return out;
        }
        for (Map<String, AttributeValue> item : dynamo.queryPaginator(b -> b.tableName(table)
                .keyConditionExpression("pk = :p AND sk BETWEEN :from AND :to")
                .expressionAttributeValues(Map.of(":p", s(PARTITION), ":from", s(sortKey(fromMinute)),
                        ":to", s(sortKey(toMinute))))).items()) {
            Map<String, Long> values = new LinkedHashMap<>();
            item.forEach((name, v) -> {
                if (name.startsWith(VALUE) && v.n() != null) {
                    values.put(name.substring(VALUE.length()), Long.parseLong(v.n()));
                }
            });
            out.add(new Minute(epochMinute(str(item, SK)), values));
        }
        return out;
    }
}
