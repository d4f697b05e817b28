package dev.switchboard.adapter.dynamodb;

import dev.switchboard.port.InvalidCursorException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import dev.switchboard.domain.Page;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Attribute helpers shared by the DynamoDB adapters. Every table keys items by {@code pk} (owner first) and {@code sk}. */
final class Attr {
    static final String PK = "pk";
    static final String SK = "sk";

    private Attr() {}

    static AttributeValue s(String v) {
        return AttributeValue.fromS(v);
    }

    static AttributeValue n(long v) {
        return AttributeValue.fromN(Long.toString(v));
    }

    static Map<String, AttributeValue> key(String pk, String sk) {
        return Map.of(PK, s(pk), SK, s(sk));
    }

    static String str(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? null : v.s();
    }

    static long num(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null || v.n() == null ? 0L : Long.parseLong(v.n());
    }

    /** A cursor is the sort key the next page starts after, base64url-encoded; the partition is always the caller's own. */
    static String cursorOf(Map<String, AttributeValue> lastEvaluatedKey) {
        if (lastEvaluatedKey == null || lastEvaluatedKey.isEmpty()) {
            return null;
        }
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString(lastEvaluatedKey.get(SK).s().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * One page of a Query made with {@code Limit = limit + 1}: the extra item only tells that more follow, so a full
     * last page carries no cursor. A Query cut short by DynamoDB's 1 MB page limit continues from its last key.
     */
    static <T> Page<T> page(QueryResponse r, int limit, Function<Map<String, AttributeValue>, T> mapper) {
        List<Map<String, AttributeValue>> items = r.items();
        String next;
        if (items.size() > limit) {
            items = items.subList(0, limit);
            next = cursorOf(items.get(limit - 1));
        } else {
            next = cursorOf(r.lastEvaluatedKey());
        }
        return new Page<>(items.stream().map(mapper).toList(), next);
    }

    static Map<String, AttributeValue> startKey(String pk, String cursor, String requiredPrefix) {
        if (cursor == null) {
            return null;
        }
        String sk;
        try {
            sk = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new InvalidCursorException();
        }
        if (!sk.startsWith(requiredPrefix) || sk.length() > 256) {
            throw new InvalidCursorException();
        }
        return key(pk, sk);
    }
}
