package dev.switchboard.infra;

import static dev.switchboard.infra.WsClient.doneOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.adapter.dynamodb.DynamoDbUsageCounters;
import dev.switchboard.port.UsageCounters;
import dev.switchboard.adapter.dynamodb.DynamoDbNoteStore;
import dev.switchboard.domain.Note;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The operator HTTP API on the local stack ({@code /ops} on the gateway's server), through real HTTP. */
class OperatorApiIT {
    private static final Duration TURN = Duration.ofSeconds(20);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LocalStack stack;
    private static String operator;

    @BeforeAll
    static void start() {
        stack = StackFixture.stack();
        operator = stack.operatorToken("ops-it", Duration.ofHours(1));
    }

    private record Reply(int status, JsonNode body, HttpResponse<String> raw) {}

    private static Reply call(String method, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(stack.operatorUrl() + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body()), r);
    }

    private static String user(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static WsClient connect(String userId) {
        return WsClient.connect(stack.webSocketUrl(), stack.tokens().issue(userId, Duration.ofHours(1)));
    }

    private static String send(String cmid, String text) {
        return "{\"action\":\"sendMessage\",\"clientMessageId\":\"" + cmid + "\",\"text\":\"" + text + "\"}";
    }

    /** Sends a message in a new session and waits for its answer; returns the session id. */
    private static String chat(WsClient c, String cmid, String text) {
        JsonNode accepted = c.request(send(cmid, text), "accepted");
        c.await(doneOf(accepted.path("turnId").asText()), TURN);
        return accepted.path("sessionId").asText();
    }

    private static List<Map<String, AttributeValue>> connectionRows(String userId) {
        return stack.dynamo().query(b -> b.tableName("ConnectionsTable").keyConditionExpression("pk = :u")
                .expressionAttributeValues(Map.of(":u", AttributeValue.fromS(userId)))).items();
    }

    // ------------------------------------------------------------------ auth

    @Test
    void withoutATokenOnlyLivenessAnswersAndEverythingElseIs401() throws Exception {
        Reply health = call("GET", "/health", null);
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.body().toString()).isEqualTo("{\"status\":\"ok\"}");
        for (String[] route : new String[][] {{"GET", "/stats"}, {"GET", "/users/someone/sessions"},
                {"DELETE", "/users/someone/connections"}, {"DELETE", "/users/someone"}}) {
            Reply r = call(route[0], route[1], null);
            assertThat(r.status()).as(route[1]).isEqualTo(401);
            assertThat(r.raw().headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v ->
                    assertThat(v).startsWith("Bearer"));
        }
        assertThat(call("GET", "/stats", "not.a.jwt").status()).isEqualTo(401);
        assertThat(call("GET", "/nothing-here", operator).status()).isEqualTo(404);
    }

    @Test
    void aUsersTokenIs403AndTouchesNothing() throws Exception {
        String victim = user("victim");
        try (WsClient v = connect(victim)) {
            String session = chat(v, "v-1", "keep me");
            String token = stack.tokens().issue(user("mallory"), Duration.ofHours(1));
            for (String[] route : new String[][] {{"GET", "/health"}, {"GET", "/stats"},
                    {"GET", "/users/" + victim + "/sessions"}, {"DELETE", "/users/" + victim + "/connections"},
                    {"DELETE", "/users/" + victim}}) {
                Reply r = call(route[0], route[1], token);
                assertThat(r.status()).as(route[1]).isEqualTo(403);
                assertThat(r.body().path("error").asText()).isEqualTo("FORBIDDEN");
            }
            v.assertOpen();
            JsonNode history = v.request("{\"action\":\"getHistory\",\"sessionId\":\"" + session + "\"}", "history");
            assertThat(history.path("messages")).hasSize(2);
        }
    }

    // ------------------------------------------------------------------ health and stats

    @Test
    void healthShowsEveryDependencyUp() throws Exception {
        Reply r = call("GET", "/health", operator);
        assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
        assertThat(r.body().path("status").asText()).isEqualTo("ok");
        assertThat(r.body().path("dependencies").findValuesAsText("name")).contains("ConnectionsTable",
                "SessionsTable", "MessagesTable", "UserDataTable", "TurnsQueue", "TurnsDeadLetterQueue",
                "UserDataQueue", "UserDataDeadLetterQueue", "model:offline", "model:openai");
        r.body().path("dependencies").forEach(d -> assertThat(d.path("up").asBoolean()).as(d.toString()).isTrue());
        JsonNode process = r.body().path("process");
        assertThat(process.path("start").asText()).isIn("cold", "warm");
        assertThat(process.path("heap").path("usedBytes").asLong()).isPositive();
        assertThat(call("GET", "/health", operator).body().path("process").path("start").asText()).isEqualTo("warm");
    }

    @Test
    void statsAfterAChatTurnCountItsSessionAndConnection() throws Exception {
        String u = user("stats");
        try (WsClient c = connect(u)) {
            chat(c, "s-1", "count me");
            // the worker does not report usage yet: record what it will, as the port's other writers do
            new DynamoDbUsageCounters(stack.dynamo(), "UserDataTable").add(System.currentTimeMillis(),
                    Map.of(UsageCounters.TURNS, 1L, UsageCounters.TOKENS_IN, 12L, UsageCounters.TOKENS_OUT, 8L,
                            UsageCounters.CACHE_HITS, 3L, UsageCounters.CACHE_MISSES, 1L,
                            UsageCounters.error("TURN_FAILED"), 1L));

            Reply r = call("GET", "/stats?minutes=5", operator);

            assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
            JsonNode b = r.body();
            assertThat(b.path("unavailable")).isEmpty();
            assertThat(b.path("connections").path("open").asLong()).isGreaterThanOrEqualTo(1);
            assertThat(b.path("sessions").path("total").asLong()).isGreaterThanOrEqualTo(1);
            assertThat(b.path("turnsInFlight").asLong()).isGreaterThanOrEqualTo(0);
            assertThat(b.path("queue").has("depth")).isTrue();
            assertThat(b.path("queue").has("inFlight")).isTrue();
            assertThat(b.path("deadLetterQueue").path("depth").asLong()).isGreaterThanOrEqualTo(0);
            // the user-data queue and its dead-letter queue, read from ElasticMQ like the turns queue
            assertThat(b.path("userDataQueue").path("depth").isNumber()).isTrue();
            assertThat(b.path("userDataQueue").path("inFlight").isNumber()).isTrue();
            assertThat(b.path("userDataDeadLetterQueue").path("depth").asLong()).isZero();
            assertThat(b.path("usage").path("windowMinutes").asInt()).isEqualTo(5);
            assertThat(b.path("usage").path("turns").asLong()).isGreaterThanOrEqualTo(1);
            assertThat(b.path("usage").path("tokensPerMinute").asDouble()).isGreaterThan(0);
            assertThat(b.path("usage").path("errors").path("TURN_FAILED").asLong()).isGreaterThanOrEqualTo(1);
            assertThat(b.path("userCache").path("hitRate").isNumber()).isTrue();
        }
        assertThat(call("GET", "/stats?minutes=0", operator).status()).isEqualTo(400);
    }

    // ------------------------------------------------------------------ per user

    @Test
    void listsAUsersSessionsPageByPage() throws Exception {
        String u = user("lister");
        try (WsClient c = connect(u)) {
            String s1 = chat(c, "l-1", "first");
            String s2 = chat(c, "l-2", "second");

            Reply all = call("GET", "/users/" + u + "/sessions", operator);
            assertThat(all.status()).isEqualTo(200);
            assertThat(all.body().path("userId").asText()).isEqualTo(u);
            assertThat(all.body().path("sessions").findValuesAsText("sessionId")).containsExactlyInAnyOrder(s1, s2);
            assertThat(all.body().path("nextCursor").isNull()).isTrue();

            Reply page1 = call("GET", "/users/" + u + "/sessions?limit=1", operator);
            String cursor = page1.body().path("nextCursor").asText();
            Reply page2 = call("GET", "/users/" + u + "/sessions?limit=1&cursor=" + cursor, operator);
            assertThat(List.of(page1.body().path("sessions").get(0).path("sessionId").asText(),
                    page2.body().path("sessions").get(0).path("sessionId").asText()))
                    .containsExactlyInAnyOrder(s1, s2);
        }
        assertThat(call("GET", "/users/" + user("nobody") + "/sessions", operator).body().path("sessions")).isEmpty();
        assertThat(call("GET", "/users/a%23b/sessions", operator).status()).isEqualTo(400);
    }

    @Test
    void endingAUsersConnectionsClosesThemAndLeavesOthersOpen() throws Exception {
        String u = user("ended");
        String other = user("other");
        try (WsClient a = connect(u); WsClient b = connect(u); WsClient o = connect(other)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> connectionRows(u).size() == 2);

            Reply r = call("DELETE", "/users/" + u + "/connections", operator);

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body().path("found").asInt()).isEqualTo(2);
            assertThat(r.body().path("closed").asInt()).isEqualTo(2);
            assertThat(r.body().path("failed").asInt()).isZero();
            assertThat(a.closed.get(5, TimeUnit.SECONDS)).isEqualTo(1000);
            assertThat(b.closed.get(5, TimeUnit.SECONDS)).isEqualTo(1000);
            await().atMost(Duration.ofSeconds(5)).until(() -> connectionRows(u).isEmpty());
            o.assertOpen();
            assertThat(o.request("{\"action\":\"ping\"}", "pong").path("type").asText()).isEqualTo("pong");
            assertThat(connectionRows(other)).hasSize(1);
            assertThat(call("DELETE", "/users/" + u + "/connections", operator).body().path("found").asInt()).isZero();
        }
    }

    @Test
    void deletingAUsersDataRemovesAllOfItAndNothingOfAnotherUser() throws Exception {
        String alice = user("alice");
        String bob = user("bob");
        try (WsClient a = connect(alice); WsClient b = connect(bob)) {
            String aliceSession = chat(a, "a-1", "Please remember that my locker is 4711.");
            await().atMost(TURN).until(() -> a.request("{\"action\":\"listMemories\"}", "memories")
                    .path("memories").size() >= 1);
            int memories = a.request("{\"action\":\"listMemories\"}", "memories").path("memories").size();
            String documentId = a.request("{\"action\":\"addDocument\",\"title\":\"Manual\",\"text\":"
                    + "\"Lockers open with a code. The code is private.\"}", "documentAdded")
                    .path("document").path("documentId").asText();
            a.await(f -> "documentReady".equals(f.path("type").asText())
                    && documentId.equals(f.path("documentId").asText()), TURN);
            new DynamoDbNoteStore(stack.dynamo(), "UserDataTable")
                    .put(new Note(alice, "0000000000001-note", "buy milk", System.currentTimeMillis()));
            String bobSession = chat(b, "b-1", "Bob's own question");
            b.request("{\"action\":\"addDocument\",\"title\":\"Bob's\",\"text\":\"Bob keeps this.\"}", "documentAdded");

            Reply r = call("DELETE", "/users/" + alice, operator);

            assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
            JsonNode deleted = r.body().path("deleted");
            assertThat(r.body().path("userId").asText()).isEqualTo(alice);
            assertThat(deleted.path("sessions").asInt()).isEqualTo(1);
            assertThat(deleted.path("messages").asInt()).isEqualTo(2);
            assertThat(deleted.path("memories").asInt()).isEqualTo(memories);
            assertThat(deleted.path("documents").asInt()).isEqualTo(1);
            assertThat(deleted.path("notes").asInt()).isEqualTo(1);
            assertThat(r.body().path("connections").path("closed").asInt()).isEqualTo(1);
            assertThat(a.closed.get(5, TimeUnit.SECONDS)).isEqualTo(1000);

            // alice's data is gone, seen through her own new connection and the operator API
            try (WsClient again = connect(alice)) {
                assertThat(again.request("{\"action\":\"listSessions\"}", "sessions").path("sessions")).isEmpty();
                assertThat(again.request("{\"action\":\"getHistory\",\"sessionId\":\"" + aliceSession + "\"}",
                        "history", "error").path("messages").size()).isZero();
                assertThat(again.request("{\"action\":\"listMemories\"}", "memories").path("memories")).isEmpty();
                assertThat(again.request("{\"action\":\"listDocuments\"}", "documents").path("documents")).isEmpty();
            }
            assertThat(stack.dynamo().query(q -> q.tableName("UserDataTable").keyConditionExpression("pk = :u")
                    .expressionAttributeValues(Map.of(":u", AttributeValue.fromS(alice)))).items())
                    .as("nothing is left of her user data, the quota counters and the knowledge version included")
                    .isEmpty();
            assertThat(call("GET", "/users/" + alice + "/sessions", operator).body().path("sessions")).isEmpty();

            // bob keeps everything
            b.assertOpen();
            assertThat(b.request("{\"action\":\"getHistory\",\"sessionId\":\"" + bobSession + "\"}", "history")
                    .path("messages")).hasSize(2);
            assertThat(b.request("{\"action\":\"listDocuments\"}", "documents").path("documents")).hasSize(1);

            Reply again = call("DELETE", "/users/" + alice, operator);
            assertThat(again.body().path("deleted").path("sessions").asInt()).isZero();
            assertThat(again.body().path("deleted").path("messages").asInt()).isZero();
        }
    }
}
