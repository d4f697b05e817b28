package dev.switchboard.adapter.dynamodb;

import dev.switchboard.domain.Note;
import dev.switchboard.port.NoteStore;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.Select;

/** Notes in the user-data table: pk = userId, sk = {@code N#<noteId>} (the table's other prefixes are not read). */
public final class DynamoDbNoteStore implements NoteStore {
    static final String PREFIX = "N#";

    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbNoteStore(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    @Override
    public void put(Note note) {
        Map<String, AttributeValue> item = new HashMap<>(key(note.userId(), note.noteId()));
        item.put("text", AttributeValue.fromS(note.text()));
        item.put("createdAt", AttributeValue.fromN(Long.toString(note.createdAtMillis())));
        dynamo.putItem(b -> b.tableName(table).item(item));
    }

    @Override
    public List<Note> list(String userId) {
        List<Note> notes = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            QueryResponse r = dynamo.query(notesOf(userId, start).build());
            r.items().forEach(item -> notes.add(toNote(item)));
            start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
        } while (start != null);
        return notes;
    }

    @Override
    public boolean delete(String userId, String noteId) {
        var old = dynamo.deleteItem(b -> b.tableName(table).key(key(userId, noteId))
                .returnValues(ReturnValue.ALL_OLD)).attributes();
        return old != null && !old.isEmpty();
    }

    @Override
    public int count(String userId) {
        int count = 0;
        Map<String, AttributeValue> start = null;
        do {
            QueryResponse r = dynamo.query(notesOf(userId, start).select(Select.COUNT).build());
            count += r.count();
            start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
        } while (start != null);
        return count;
    }

    private QueryRequest.Builder notesOf(String userId, Map<String, AttributeValue> exclusiveStartKey) {
        return QueryRequest.builder().tableName(table)
                .keyConditionExpression("pk = :u AND begins_with(sk, :p)")
                .expressionAttributeValues(Map.of(
                        ":u", AttributeValue.fromS(userId), ":p", AttributeValue.fromS(PREFIX)))
                .consistentRead(true)
                .exclusiveStartKey(exclusiveStartKey);
    }

    private static Map<String, AttributeValue> key(String userId, String noteId) {
        return Map.of("pk", AttributeValue.fromS(userId), "sk", AttributeValue.fromS(PREFIX + noteId));
    }

    private static Note toNote(Map<String, AttributeValue> item) {
        AttributeValue createdAt = item.get("createdAt");
        return new Note(item.get("pk").s(), item.get("sk").s().substring(PREFIX.length()), item.get("text").s(),
                createdAt == null ? 0L : Long.parseLong(createdAt.n()));
    }
}
