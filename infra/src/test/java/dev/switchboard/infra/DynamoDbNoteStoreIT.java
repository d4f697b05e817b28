package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.testing.NoteStoreContract;
import dev.switchboard.adapter.dynamodb.DynamoDbNoteStore;
import dev.switchboard.domain.Note;
import dev.switchboard.port.NoteStore;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The {@link NoteStore} contract against the DynamoDB adapter on DynamoDB Local (the template's user-data table). */
class DynamoDbNoteStoreIT extends NoteStoreContract {
    private static final String TABLE = "UserDataTable";

    @Override
    protected NoteStore store() {
        return new DynamoDbNoteStore(StackFixture.stack().dynamo(), TABLE);
    }

    /** The table also holds memories (M#), documents (D#) and chunks (K#): notes are only the N# items. */
    @Test
    void itemsOfOtherKindsInTheUsersPartitionAreNotNotes() {
        for (String sk : new String[] {"M#1", "D#1", "K#1#0", "Nx", "O#1"}) {
            StackFixture.stack().dynamo().putItem(b -> b.tableName(TABLE).item(Map.of(
                    "pk", AttributeValue.fromS(user), "sk", AttributeValue.fromS(sk),
                    "text", AttributeValue.fromS("not a note"))));
        }
        Note n = note(user, 1_000, "the only note");
        store.put(n);

        assertThat(store.list(user)).containsExactly(n);
        assertThat(store.count(user)).isEqualTo(1);
        assertThat(store.delete(user, "1")).isFalse(); // sk N#1 does not exist; M#1 etc. are untouched
        assertThat(StackFixture.stack().dynamo().query(b -> b.tableName(TABLE)
                .keyConditionExpression("pk = :u")
                .expressionAttributeValues(Map.of(":u", AttributeValue.fromS(user)))).count()).isEqualTo(6);
    }
}
