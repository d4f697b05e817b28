package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.adapter.dynamodb.DynamoDbMemoryStore;
import dev.switchboard.domain.Memory;
import dev.switchboard.port.MemoryStore;
import dev.switchboard.testing.MemoryStoreContract;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The {@link MemoryStore} contract against the DynamoDB adapter on DynamoDB Local (the template's UserData table). */
class DynamoDbMemoryStoreIT extends MemoryStoreContract {
    static final String TABLE = "UserDataTable";

    @Override
    protected MemoryStore store() {
        return new DynamoDbMemoryStore(StackFixture.stack().dynamo(), TABLE);
    }

    /** Items of the user's partition under other prefixes (notes, documents) are neither listed, counted nor deleted. */
    @Test
    void otherItemsOfTheUsersPartitionAreLeftAlone() {
        DynamoDbClient dynamo = StackFixture.stack().dynamo();
        for (String sk : new String[] {"N#note-1", "D#doc-1", "L#x", "M"}) {
            dynamo.putItem(b -> b.tableName(TABLE).item(Map.of("pk", AttributeValue.fromS(user),
                    "sk", AttributeValue.fromS(sk), "text", AttributeValue.fromS("not a memory"))));
        }
        store.put(memory(user, "m-1", "a memory", 1_000));

        assertThat(store.list(user)).extracting(Memory::memoryId).containsExactly("m-1");
        assertThat(store.count(user)).isEqualTo(1);
        assertThat(store.deleteAll(user)).isEqualTo(1);

        var left = dynamo.query(b -> b.tableName(TABLE).keyConditionExpression("pk = :u")
                .expressionAttributeValues(Map.of(":u", AttributeValue.fromS(user))).consistentRead(true)).items();
        assertThat(left).extracting(i -> i.get("sk").s()).containsExactlyInAnyOrder("N#note-1", "D#doc-1", "L#x", "M");
    }

    @Test
    void theVectorIsStoredAsLittleEndianFloat32() {
        store.put(new Memory(user, "m-1", "x", null, null, 1, 1, new float[] {1.0f, -2.5f}));

        var item = StackFixture.stack().dynamo().getItem(b -> b.tableName(TABLE).consistentRead(true)
                .key(Map.of("pk", AttributeValue.fromS(user), "sk", AttributeValue.fromS("M#m-1")))).item();
        // 1.0f = 0x3F800000, -2.5f = 0xC0200000, least significant byte first
        assertThat(item.get("vector").b().asByteArray())
                .containsExactly(0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x20, 0xC0);
    }
}
