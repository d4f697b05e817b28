package dev.switchboard.adapter.dynamodb;

import static dev.switchboard.adapter.dynamodb.Attr.*;

import dev.switchboard.domain.Role;
import dev.switchboard.port.Census;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.Select;

/**
 * Counts by Scan, for the operator API: Connections with {@code Select=COUNT} and a filter on the TTL, Sessions with a
 * projection of the keys and turn marks. A Scan reads every item however little it returns: each call costs about one
 * read unit per 8 KB of the table (eventually consistent), e.g. some 60,000 read units for a million sessions.
 * For the oldest pending turn, the Messages table is read with one Query (one item) per busy session looked into.
 */
public final class DynamoDbCensus implements Census {
    private final DynamoDbClient dynamo;
    private final String connectionsTable;
    private final String sessionsTable;
    private final String messagesTable;

    public DynamoDbCensus(DynamoDbClient dynamo, String connectionsTable, String sessionsTable, String messagesTable) {
        this.dynamo = dynamo;
        this.connectionsTable = connectionsTable;
        this.sessionsTable = sessionsTable;
        this.messagesTable = messagesTable;
    }

    @Override
    public long openConnections(long nowMillis) {
        long count = 0;
        for (var page : dynamo.scanPaginator(b -> b.tableName(connectionsTable)
                .select(Select.COUNT)
                .filterExpression("attribute_not_exists(expiresAt) OR expiresAt > :now")
                .expressionAttributeValues(Map.of(":now", n(nowMillis / 1000))))) {
            count += page.count();
        }
        return count;
    }

    private record Busy(String userId, String sessionId, String settled, String last) {}

    @Override
    public Sessions sessions() {
        long total = 0;
        List<Busy> busy = new ArrayList<>();
        for (var page : dynamo.scanPaginator(b -> b.tableName(sessionsTable)
                .projectionExpression("pk, sk, lastTurnId, settledTurnId"))) {
            total += page.count();
            for (Map<String, AttributeValue> item : page.items()) {
                String last = str(item, "lastTurnId");
                String settled = str(item, "settledTurnId");
                if (last != null && (settled == null || last.compareTo(settled) > 0)) {
                    busy.add(new Busy(str(item, PK), str(item, SK), settled, last));
                }
            }
        }
        if (busy.isEmpty()) {
            return new Sessions(total, 0, null);
        }
        // the sessions settled longest ago are the likeliest to hold the oldest pending turn
        busy.sort(Comparator.comparing(Busy::settled, Comparator.nullsFirst(Comparator.naturalOrder())));
        Long oldest = null;
        for (Busy b : busy.subList(0, Math.min(PENDING_SAMPLE, busy.size()))) {
            long since = firstPendingTurnMillis(b);
            oldest = oldest == null ? since : Math.min(oldest, since);
        }
        return new Sessions(total, busy.size(), oldest);
    }

    /** The first user message after the settled turn (the turn waiting longest); else the newest accepted turn. */
    private long firstPendingTurnMillis(Busy b) {
        String from = b.settled() == null ? "T#" : DynamoDbMessageStore.sortKey(b.settled(), Role.ASSISTANT) + "~";
        QueryResponse r = dynamo.query(q -> q.tableName(messagesTable)
                .keyConditionExpression("pk = :p AND sk BETWEEN :from AND :to")
                .expressionAttributeValues(Map.of(
                        ":p", s(DynamoDbMessageStore.partition(b.userId(), b.sessionId())),
                        ":from", s(from),
                        ":to", s(DynamoDbMessageStore.sortKey(b.last(), Role.ASSISTANT))))
                .projectionExpression("turnId")
                .limit(1));
        String turnId = r.items().isEmpty() ? b.last() : str(r.items().get(0), "turnId");
        return turnMillis(turnId == null ? b.last() : turnId);
    }

    /** Turn ids start with 13-digit epoch milliseconds (see {@link dev.switchboard.domain.Ids}). */
    static long turnMillis(String turnId) {
        try {
            return Long.parseLong(turnId.substring(0, Math.min(13, turnId.length())));
        } catch (NumberFormatException e) {
            return System.currentTimeMillis();
        }
    }
}
