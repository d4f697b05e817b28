package dev.switchboard.adapter.dynamodb;

import static dev.switchboard.adapter.dynamodb.Attr.*;

import dev.switchboard.domain.TurnRequest;
import dev.switchboard.port.TurnStanding;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The day's tokens, the knowledge version and whether the user's group holds a job, in one strongly consistent Query
 * of the user's UserData partition. The key range from the user group's held jobs ({@code P#user-<hash>#…}, see
 * {@link DynamoDbPendingTurns}; none but while the queue refuses sends) to the version item ({@code V#}, see
 * {@link DynamoDbKnowledgeVersions}) holds only them, the day items ({@code Q#<yyyyMMdd>}, see
 * {@link DynamoDbUserQuotas}: today's, yesterday's and any older one the TTL has not deleted yet) and the running-answer
 * slots item ({@code R#slots}); a session group's held jobs ({@code P#session-…}) sort before it. Read backwards and at
 * most {@value #MOST_ITEMS} items: the version, the slots and the day items come first, then at most the newest few
 * held jobs (one is enough to know), so a long outage's held jobs neither push the day item out of the page nor make
 * the read large. One request where two GetItems and a Query took three; a busy user's day items carry a counter a
 * minute, so the read is a few units for them.
 */
public final class DynamoDbTurnStanding implements TurnStanding {
    /** Version, slots, today, yesterday, the TTL's lag of older days, and then held jobs: what one read may take. */
    static final int MOST_ITEMS = 16;

    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbTurnStanding(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    @Override
    public Standing read(String userId, long nowMillis) {
        String day = DynamoDbUserQuotas.dayKey(nowMillis);
        String held = DynamoDbPendingTurns.prefix(TurnRequest.userGroup(userId));
        long tokens = 0;
        long version = 0;
        boolean jobsHeld = false;
        for (Map<String, AttributeValue> item : dynamo.query(b -> b.tableName(table).consistentRead(true)
                .scanIndexForward(false).limit(MOST_ITEMS)
                .keyConditionExpression("pk = :u AND sk BETWEEN :held AND :version")
                .expressionAttributeValues(Map.of(":u", s(userId), ":held", s(held),
                        ":version", s(DynamoDbKnowledgeVersions.VERSION_KEY)))
                .projectionExpression("sk, tokens, v")).items()) {
            String sk = str(item, SK);
            if (day.equals(sk)) {
                tokens = num(item, "tokens");
            } else if (DynamoDbKnowledgeVersions.VERSION_KEY.equals(sk)) {
                version = num(item, "v");
            } else if (sk.startsWith(held)) {
                jobsHeld = true;
            }
        }
        return new Standing(tokens, version, jobsHeld);
    }
}
