package dev.switchboard.adapter.dynamodb;

import static dev.switchboard.adapter.dynamodb.Attr.*;

import dev.switchboard.port.TurnStanding;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The day's tokens and the knowledge version in one strongly consistent Query of the user's UserData partition: the
 * day item ({@code Q#<yyyyMMdd>}, see {@link DynamoDbUserQuotas}) and the version item ({@code V#}, see
 * {@link DynamoDbKnowledgeVersions}) bound a key range that holds only them and the running-answer slots item
 * ({@code R#slots}): three small items, one request and one read unit where two GetItems took two of each.
 */
public final class DynamoDbTurnStanding implements TurnStanding {
    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbTurnStanding(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    @Override
    public Standing read(String userId, long nowMillis) {
        String day = DynamoDbUserQuotas.dayKey(nowMillis);
        long tokens = 0;
        long version = 0;
        for (Map<String, AttributeValue> item : dynamo.query(b -> b.tableName(table).consistentRead(true)
                .keyConditionExpression("pk = :u AND sk BETWEEN :day AND :version")
                .expressionAttributeValues(Map.of(":u", s(userId), ":day", s(day),
                        ":version", s(DynamoDbKnowledgeVersions.VERSION_KEY)))
                .projectionExpression("sk, tokens, v")).items()) {
            String sk = str(item, SK);
            if (day.equals(sk)) {
                tokens = num(item, "tokens");
            } else if (DynamoDbKnowledgeVersions.VERSION_KEY.equals(sk)) {
                version = num(item, "v");
            }
        }
        return new Standing(tokens, version);
    }
}
