package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import dev.switchboard.domain.Role;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The figures of a reliability scenario, counted session by session and printed as one line
 * {@code name: runs=N, lost=L, duplicated=D, leaked=K} (docs/reliability.md). A sent message is <em>lost</em> when it
 * is not stored, is stored without an answer, or its owner never got the turn's {@code done}; <em>duplicated</em>
 * once for each extra copy: stored twice, answered twice, or a second {@code done}; a frame <em>leaked</em> when it
 * names a session other than its client's. A session is <em>disordered</em> when its stored messages or its
 * {@code done} events are not in send order. Not thread-safe: count after the scenario's traffic has ended.
 */
final class ScenarioFigures {
    /** A stored user message or answer ({@code role} as on the wire: user, assistant), in store order. */
    record Stored(String turnId, String role, String text) {}

    private int runs;
    private int lost;
    private int duplicated;
    private int leaked;
    private int disordered;

    /**
     * @param sent   the texts the session's client sent, in send order
     * @param stored the session's stored messages, oldest first (turn ids sort by acceptance time)
     */
    void countSession(WsClient client, String sessionId, List<String> sent, List<Stored> stored) {
        runs += sent.size();
        Map<String, Integer> dones = new HashMap<>();
        List<String> doneOrder = new ArrayList<>();
        for (JsonNode f : client.frames) {
            if (f.has("sessionId") && !sessionId.equals(f.path("sessionId").asText())) {
                leaked++;
            }
            if ("done".equals(f.path("type").asText())) {
                dones.merge(f.path("turnId").asText(), 1, Integer::sum);
                doneOrder.add(f.path("turnId").asText());
            }
        }
        List<String> userTexts = new ArrayList<>();
        List<String> userTurns = new ArrayList<>();
        Map<String, Integer> answers = new HashMap<>();
        for (Stored m : stored) {
            if ("user".equals(m.role())) {
                userTexts.add(m.text());
                userTurns.add(m.turnId());
            } else if ("assistant".equals(m.role())) {
                answers.merge(m.turnId(), 1, Integer::sum);
            }
        }
        for (String text : sent) {
            long copies = userTexts.stream().filter(text::equals).count();
            lost += copies == 0 ? 1 : 0;
            duplicated += (int) Math.max(0, copies - 1);
        }
        for (String turn : userTurns) {
            int answered = answers.getOrDefault(turn, 0);
            int done = dones.getOrDefault(turn, 0);
            lost += answered == 0 || done == 0 ? 1 : 0;
            duplicated += Math.max(0, answered - 1) + Math.max(0, done - 1);
        }
        // order is judged on what is there (a lost or duplicated message is counted as such above)
        boolean storedInOrder = userTexts.stream().distinct().toList()
                .equals(sent.stream().filter(userTexts::contains).toList());
        boolean doneInOrder = doneOrder.stream().distinct().toList()
                .equals(userTurns.stream().filter(dones::containsKey).toList());
        if (!storedInOrder || !doneInOrder) {
            disordered++;
        }
    }

    /**
     * {@code name: runs=N, lost=L, duplicated=D, leaked=K (out of order sessions=S, details)}: the scenario's own
     * figures go in {@code details}.
     */
    String line(String name, String details) {
        return "%s: runs=%d, lost=%d, duplicated=%d, leaked=%d (out of order sessions=%d, %s)".formatted(name, runs,
                lost, duplicated, leaked, disordered, details);
    }

    void assertClean() {
        assertThat(lost).as("lost").isZero();
        assertThat(duplicated).as("duplicated").isZero();
        assertThat(leaked).as("leaked").isZero();
        assertThat(disordered).as("sessions whose messages or done events are not in send order").isZero();
    }

    /** A session's user messages and answers as {@code getHistory} returns them (at most 100). */
    static List<Stored> history(WsClient client, String sessionId) {
        JsonNode history = client.request("{\"action\":\"getHistory\",\"sessionId\":\"" + sessionId
                + "\",\"limit\":100}", "history");
        List<Stored> stored = new ArrayList<>();
        for (JsonNode m : history.path("messages")) {
            stored.add(new Stored(m.path("turnId").asText(), m.path("role").asText(), m.path("text").asText()));
        }
        return stored;
    }

    /**
     * The session's user messages and answers, read from the Messages table itself (past any failure injected into the
     * functions' clients).
     */
    static List<Stored> storedInTable(LocalStack stack, String table, String userId, String sessionId) {
        List<Stored> stored = new ArrayList<>();
        for (Map<String, AttributeValue> item : stack.dynamo().queryPaginator(b -> b.tableName(table)
                .keyConditionExpression("pk = :p AND begins_with(sk, :t)")
                .expressionAttributeValues(Map.of(":p", AttributeValue.fromS(userId + "#" + sessionId),
                        ":t", AttributeValue.fromS("T#")))
                .consistentRead(true)).items()) {
            stored.add(new Stored(item.get("turnId").s(), Role.valueOf(item.get("role").s()).wire(),
                    item.get("text").s()));
        }
        return stored;
    }
}
