package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.adapter.dynamodb.DynamoDbDocumentStore;
import dev.switchboard.domain.Chunk;
import dev.switchboard.port.DocumentStore;
import dev.switchboard.domain.KnowledgeDocument;
import dev.switchboard.testing.DocumentStoreContract;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The {@link DocumentStore} contract against the DynamoDB adapter on DynamoDB Local (the template's UserData table). */
class DynamoDbDocumentStoreIT extends DocumentStoreContract {
    static final String TABLE = "UserDataTable";

    @Override
    protected DocumentStore store() {
        return new DynamoDbDocumentStore(StackFixture.stack().dynamo(), TABLE);
    }

    /** Items of the user's partition under other prefixes (notes, memories) are neither read nor deleted. */
    @Test
    void otherItemsOfTheUsersPartitionAreLeftAlone() {
        DynamoDbClient dynamo = StackFixture.stack().dynamo();
        for (String sk : new String[] {"N#note-1", "M#m-1", "E#x", "K", "D"}) {
            dynamo.putItem(b -> b.tableName(TABLE).item(Map.of("pk", AttributeValue.fromS(user),
                    "sk", AttributeValue.fromS(sk), "text", AttributeValue.fromS("not a document"),
                    "status", AttributeValue.fromS("READY"))));
        }
        List<Chunk> chunks = ready(user, "d-1", 2);

        assertThat(store.listDocuments(user)).extracting(KnowledgeDocument::documentId).containsExactly("d-1");
        assertThat(store.chunks(user)).containsExactlyElementsOf(chunks);
        assertThat(store.deleteDocument(user, "d-1")).isTrue();

        var left = dynamo.query(b -> b.tableName(TABLE).keyConditionExpression("pk = :u")
                .expressionAttributeValues(Map.of(":u", AttributeValue.fromS(user))).consistentRead(true)).items();
        assertThat(left).extracting(i -> i.get("sk").s())
                .containsExactlyInAnyOrder("N#note-1", "M#m-1", "E#x", "K", "D");
    }

    @Test
    void chunkKeysAreZeroPaddedAndTheDocumentIsOneItem() {
        ready(user, "d-1", 11);

        var items = StackFixture.stack().dynamo().query(b -> b.tableName(TABLE).keyConditionExpression("pk = :u")
                .expressionAttributeValues(Map.of(":u", AttributeValue.fromS(user))).consistentRead(true)).items();
        assertThat(items).extracting(i -> i.get("sk").s())
                .startsWith("D#d-1", "K#d-1#0000", "K#d-1#0001")
                .contains("K#d-1#0010")
                .hasSize(12);
    }
}
