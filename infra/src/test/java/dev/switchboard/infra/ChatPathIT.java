package dev.switchboard.infra;

import static dev.switchboard.infra.WsClient.doneOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** One chat turn along the whole path, on the local stack: real WebSocket, DynamoDB Local, ElasticMQ, handlers. */
class ChatPathIT {
    private static final Duration TURN = Duration.ofSeconds(20);
    private static LocalStack stack;

    @BeforeAll
    static void start() {
        stack = StackFixture.stack();
    }

    private static String user(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static WsClient connect(String userId) {
        return WsClient.connect(stack.webSocketUrl(), stack.tokens().issue(userId, Duration.ofHours(1)));
    }

    private static String send(String cmid, String sessionId, String text) {
        return "{\"action\":\"sendMessage\",\"clientMessageId\":\"" + cmid + "\""
                + (sessionId == null ? "" : ",\"sessionId\":\"" + sessionId + "\"")
                + ",\"text\":\"" + text + "\"}";
    }

    /** Deltas of one turn on one connection: seq 0..n-1 in order, then exactly one done counting them. */
    private static String assertStreamed(WsClient c, String turnId) {
        List<JsonNode> frames = c.ofTurn(turnId);
        List<JsonNode> deltas = frames.stream().filter(WsClient.type("delta")).toList();
        List<JsonNode> dones = frames.stream().filter(WsClient.type("done")).toList();
        assertThat(dones).as("done frames of turn %s", turnId).hasSize(1);
        assertThat(frames.get(frames.size() - 1).path("type").asText()).isEqualTo("done");
        for (int i = 0; i < deltas.size(); i++) {
            assertThat(deltas.get(i).path("seq").asInt()).isEqualTo(i);
        }
        assertThat(dones.get(0).path("deltas").asInt()).isEqualTo(deltas.size());
        assertThat(dones.get(0).path("offline").asBoolean()).isTrue();
        assertThat(dones.get(0).path("model").asText()).isEqualTo("switchboard-offline-echo");
        return deltas.stream().map(d -> d.path("text").asText()).collect(Collectors.joining());
    }

    @Test
    void twoUsersWithTwoSessionsEachGetOnlyTheirOwnAnswersInOrder() {
        String alice = user("alice");
        String bob = user("bob");
        try (WsClient a1 = connect(alice); WsClient a2 = connect(alice); WsClient b1 = connect(bob)) {
            // four new sessions at once, two per user, from different connections
            var sends = List.of(
                    CompletableFuture.supplyAsync(() -> a1.request(send("a-1", null, "alice one"), "accepted")),
                    CompletableFuture.supplyAsync(() -> a2.request(send("a-2", null, "alice two"), "accepted")),
                    CompletableFuture.supplyAsync(() -> b1.request(send("b-1", null, "bob one"), "accepted")),
                    CompletableFuture.supplyAsync(() -> b1.request(send("b-2", null, "bob two"), "accepted")));
            List<JsonNode> accepted = sends.stream().map(CompletableFuture::join).toList();
            String aS1 = accepted.get(0).path("sessionId").asText();
            String aS2 = accepted.get(1).path("sessionId").asText();
            String bS1 = accepted.get(2).path("sessionId").asText();
            String bS2 = accepted.get(3).path("sessionId").asText();
            assertThat(Set.of(aS1, aS2, bS1, bS2)).hasSize(4);
            for (JsonNode acc : accepted) {
                String turn = acc.path("turnId").asText();
                WsClient[] owners = acc == accepted.get(0) || acc == accepted.get(1)
                        ? new WsClient[] {a1, a2} : new WsClient[] {b1};
                for (WsClient c : owners) {
                    c.await(doneOf(turn), TURN);
                }
            }
            // a second turn in every session, all at once
            List<JsonNode> second = List.of(
                    CompletableFuture.supplyAsync(() -> a1.request(send("a-3", aS1, "alice three"), "accepted")),
                    CompletableFuture.supplyAsync(() -> a2.request(send("a-4", aS2, "alice four"), "accepted")),
                    CompletableFuture.supplyAsync(() -> b1.request(send("b-3", bS1, "bob three"), "accepted")),
                    CompletableFuture.supplyAsync(() -> b1.request(send("b-4", bS2, "bob four"), "accepted")))
                    .stream().map(CompletableFuture::join).toList();
            for (int i = 0; i < 4; i++) {
                WsClient[] owners = i < 2 ? new WsClient[] {a1, a2} : new WsClient[] {b1};
                for (WsClient c : owners) {
                    c.await(doneOf(second.get(i).path("turnId").asText()), TURN);
                }
            }

            // isolation: every frame that names a session names one of the connection owner's sessions
            Set<String> aliceSessions = Set.of(aS1, aS2);
            Set<String> bobSessions = Set.of(bS1, bS2);
            for (WsClient c : List.of(a1, a2)) {
                c.frames.stream().filter(f -> f.has("sessionId"))
                        .forEach(f -> assertThat(aliceSessions).contains(f.path("sessionId").asText()));
                assertThat(c.frames.toString()).doesNotContain("bob ");
            }
            b1.frames.stream().filter(f -> f.has("sessionId"))
                    .forEach(f -> assertThat(bobSessions).contains(f.path("sessionId").asText()));
            assertThat(b1.frames.toString()).doesNotContain("alice ");

            // every turn streamed in order to every owner connection, and stored exactly as streamed
            Map<String, List<String>> expected = Map.of(
                    aS1, List.of("alice one", "alice three"), aS2, List.of("alice two", "alice four"),
                    bS1, List.of("bob one", "bob three"), bS2, List.of("bob two", "bob four"));
            List<JsonNode> turns = new ArrayList<>(accepted);
            turns.addAll(second);
            for (JsonNode acc : turns) {
                String session = acc.path("sessionId").asText();
                boolean isAlice = aliceSessions.contains(session);
                WsClient owner = isAlice ? a1 : b1;
                String streamed = assertStreamed(owner, acc.path("turnId").asText());
                if (isAlice) {
                    assertThat(assertStreamed(a2, acc.path("turnId").asText())).isEqualTo(streamed);
                }
                JsonNode history = owner.request("{\"action\":\"getHistory\",\"sessionId\":\"" + session + "\"}",
                        "history");
                List<String> texts = new ArrayList<>();
                history.path("messages").forEach(m -> texts.add(m.path("role").asText() + ":" + m.path("text").asText()));
                assertThat(texts).hasSize(4);
                List<String> sent = expected.get(session);
                assertThat(texts.get(0)).isEqualTo("user:" + sent.get(0));
                assertThat(texts.get(1)).startsWith("assistant:").contains("You said: \"" + sent.get(0) + "\"");
                assertThat(texts.get(2)).isEqualTo("user:" + sent.get(1));
                assertThat(texts.get(3)).startsWith("assistant:").contains("You said: \"" + sent.get(1) + "\"");
                String turnId = acc.path("turnId").asText();
                history.path("messages").forEach(m -> {
                    if (m.path("turnId").asText().equals(turnId) && m.path("role").asText().equals("assistant")) {
                        assertThat(m.path("text").asText()).isEqualTo(streamed);
                    }
                });
            }
            // the other user's session is answered as missing, on every action
            JsonNode foreign = b1.request("{\"action\":\"getHistory\",\"sessionId\":\"" + aS1 + "\"}", "history", "error");
            assertThat(foreign.path("code").asText()).isEqualTo("SESSION_NOT_FOUND");
            JsonNode list = b1.request("{\"action\":\"listSessions\"}", "sessions");
            Set<String> listed = new HashSet<>();
            list.path("sessions").forEach(s -> listed.add(s.path("sessionId").asText()));
            assertThat(listed).isEqualTo(bobSessions);
        }
    }

    @Test
    void aDuplicateClientMessageIdStoresOneTurnAndYieldsOneAnswer() throws Exception {
        String carol = user("carol");
        try (WsClient c = connect(carol)) {
            JsonNode first = c.request(send("dup-1", null, "only once"), "accepted");
            JsonNode again = c.request(send("dup-1", null, "only once"), "accepted");
            assertThat(first.path("duplicate").asBoolean()).isFalse();
            assertThat(again.path("duplicate").asBoolean()).isTrue();
            assertThat(again.path("turnId").asText()).isEqualTo(first.path("turnId").asText());
            assertThat(again.path("sessionId").asText()).isEqualTo(first.path("sessionId").asText());
            String turn = first.path("turnId").asText();
            c.await(doneOf(turn), TURN);
            Thread.sleep(1500); // a second answer, if any, would have arrived by now
            assertThat(c.frames.stream().filter(doneOf(turn)).count()).isEqualTo(1);
            JsonNode history = c.request("{\"action\":\"getHistory\",\"sessionId\":\""
                    + first.path("sessionId").asText() + "\"}", "history");
            assertThat(history.path("messages")).hasSize(2);
        }
    }

    @Test
    void aSecondMessageToABusySessionIsAnsweredAfterTheFirst() {
        String dave = user("dave");
        try (WsClient c = connect(dave)) {
            JsonNode first = c.request(send("busy-1", null, "first of two with several words to stream"), "accepted");
            String session = first.path("sessionId").asText();
            JsonNode second = c.request(send("busy-2", session, "second of two"), "accepted");
            String t1 = first.path("turnId").asText();
            String t2 = second.path("turnId").asText();
            c.await(doneOf(t2), TURN);
            int doneFirst = indexOf(c.frames, doneOf(t1));
            int firstDeltaOfSecond = indexOf(c.frames, f -> "delta".equals(f.path("type").asText())
                    && t2.equals(f.path("turnId").asText()));
            assertThat(doneFirst).isGreaterThanOrEqualTo(0).isLessThan(firstDeltaOfSecond);
            // the second answer saw the first turn in its history
            assertThat(assertStreamed(c, t2)).contains("message 2 of this session");
        }
    }

    private static int indexOf(List<JsonNode> frames, java.util.function.Predicate<JsonNode> p) {
        for (int i = 0; i < frames.size(); i++) {
            if (p.test(frames.get(i))) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void badInputGetsAnErrorWithItsCodeStoresNothingAndKeepsTheConnection() {
        String erin = user("erin");
        String frank = user("frank");
        String franksSession;
        try (WsClient f = connect(frank)) {
            franksSession = f.request(send("f-1", null, "frank's"), "accepted").path("sessionId").asText();
            f.await(WsClient.type("done"), TURN);
        }
        try (WsClient c = connect(erin)) {
            int before = itemCount();
            Map<String, String> cases = new java.util.LinkedHashMap<>();
            cases.put("{not json", "BAD_JSON");
            cases.put("[1,2]", "BAD_JSON");
            cases.put("{\"action\":\"launchRockets\"}", "UNKNOWN_ACTION");
            cases.put("{\"action\":\"sendMessage\",\"text\":\"no id\"}", "MISSING_FIELD");
            cases.put("{\"action\":\"sendMessage\",\"clientMessageId\":\"x1\",\"text\":\"hi\",\"userId\":\"" + frank
                    + "\"}", "INVALID_FIELD");
            cases.put("{\"action\":\"sendMessage\",\"clientMessageId\":\"x2\",\"text\":42}", "INVALID_FIELD");
            cases.put(send("x3", null, "y".repeat(16_001)), "FIELD_TOO_LONG");
            cases.put(send("x4", franksSession, "into frank's session"), "SESSION_NOT_FOUND");
            cases.put(send("x5", "no-such-session", "into nothing"), "SESSION_NOT_FOUND");
            cases.put("{\"action\":\"getHistory\",\"sessionId\":\"" + franksSession + "\"}", "SESSION_NOT_FOUND");
            cases.put("{\"action\":\"deleteSession\",\"sessionId\":\"" + franksSession + "\"}", "SESSION_NOT_FOUND");
            cases.put("{\"action\":\"getHistory\",\"sessionId\":\"s\",\"limit\":1000}", "INVALID_FIELD");
            cases.put("{\"action\":\"listSessions\",\"cursor\":\"%%%\"}", "INVALID_FIELD");
            for (var e : cases.entrySet()) {
                JsonNode reply = c.request(e.getKey(), "error", "accepted", "history", "sessions", "sessionDeleted");
                assertThat(reply.path("type").asText()).as(e.getKey()).isEqualTo("error");
                assertThat(reply.path("code").asText()).as(e.getKey()).isEqualTo(e.getValue());
                assertThat(reply.path("message").asText()).isNotBlank();
            }
            // another user's session and a missing one are answered identically
            JsonNode foreign = c.request(send("x6", franksSession, "again"), "error");
            JsonNode missing = c.request(send("x7", "no-such-session-2", "again"), "error");
            assertThat(foreign.path("message").asText()).isEqualTo(missing.path("message").asText());
            assertThat(itemCount()).isEqualTo(before);
            assertThat(c.request("{\"action\":\"ping\"}", "pong").path("serverTime").asLong()).isPositive();
            c.assertOpen();
        }
    }

    private static int itemCount() {
        int n = 0;
        for (String table : List.of("ConnectionsTable", "SessionsTable", "MessagesTable")) {
            n += stack.dynamo().scan(b -> b.tableName(table).select("COUNT")).count();
        }
        return n;
    }

    @Test
    void aMessageOver128KbClosesTheConnectionWith1009() throws Exception {
        try (WsClient c = connect(user("gina"))) {
            c.send("{\"action\":\"ping\",\"pad\":\"" + "z".repeat(130 * 1024) + "\"}");
            assertThat(c.closed.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(1009);
        }
    }

    @Test
    void theHandshakeNeedsAValidTokenInTheQueryOrTheSubprotocol() {
        String url = stack.webSocketUrl();
        assertThatThrownBy(() -> WsClient.open(URI.create(url), null)).hasMessageContaining("handshake failed");
        assertThatThrownBy(() -> WsClient.open(URI.create(url + "?token=not.a.jwt"), null))
                .hasMessageContaining("handshake failed");
        String expired = stack.tokens().issue("henry", Duration.ofSeconds(-120));
        assertThatThrownBy(() -> WsClient.open(URI.create(url + "?token=" + expired), null))
                .hasMessageContaining("handshake failed");
        String token = stack.tokens().issue(user("ivy"), Duration.ofHours(1));
        try (WsClient c = WsClient.open(URI.create(url), "switchboard.v1, " + token)) {
            assertThat(c.subprotocol()).isEqualTo("switchboard.v1");
            assertThat(c.request("{\"action\":\"ping\"}", "pong")).isNotNull();
        }
    }

    @Test
    void connectionsAreStoredOnConnectAndRemovedOnDisconnectAndWhenGone() {
        String jack = user("jack");
        WsClient c = connect(jack);
        await().atMost(Duration.ofSeconds(5)).until(() -> connectionIds(jack).size() == 1);
        // a connection API Gateway no longer knows: the worker's post answers 410 and the item is deleted
        stack.dynamo().putItem(b -> b.tableName("ConnectionsTable").item(Map.of(
                "pk", AttributeValue.fromS(jack), "sk", AttributeValue.fromS("stale0connection="),
                "connectedAt", AttributeValue.fromN("1"),
                "expiresAt", AttributeValue.fromN(Long.toString(System.currentTimeMillis() / 1000 + 3600)))));
        assertThat(connectionIds(jack)).hasSize(2);
        JsonNode acc = c.request(send("j-1", null, "hello"), "accepted");
        c.await(doneOf(acc.path("turnId").asText()), TURN);
        assertThat(connectionIds(jack)).hasSize(1).doesNotContain("stale0connection=");
        c.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> connectionIds(jack).isEmpty());
    }

    private static List<String> connectionIds(String userId) {
        return stack.dynamo().query(b -> b.tableName("ConnectionsTable").keyConditionExpression("pk = :u")
                        .expressionAttributeValues(Map.of(":u", AttributeValue.fromS(userId))))
                .items().stream().map(i -> i.get("sk").s()).toList();
    }

    @Test
    void deletingASessionRemovesItsHistory() {
        try (WsClient c = connect(user("kim"))) {
            JsonNode acc = c.request(send("k-1", null, "to be forgotten"), "accepted");
            String session = acc.path("sessionId").asText();
            c.await(doneOf(acc.path("turnId").asText()), TURN);
            JsonNode deleted = c.request("{\"action\":\"deleteSession\",\"sessionId\":\"" + session + "\"}",
                    "sessionDeleted", "error");
            assertThat(deleted.path("type").asText()).isEqualTo("sessionDeleted");
            assertThat(deleted.path("messagesDeleted").asInt()).isEqualTo(2);
            JsonNode history = c.request("{\"action\":\"getHistory\",\"sessionId\":\"" + session + "\"}",
                    "history", "error");
            assertThat(history.path("code").asText()).isEqualTo("SESSION_NOT_FOUND");
            assertThat(c.request("{\"action\":\"listSessions\"}", "sessions").path("sessions")).isEmpty();
        }
    }

    @Test
    void aConnectionWhoseTokenExpiredIsRefusedEverythingButPing() throws Exception {
        String user = "expiring-" + java.util.UUID.randomUUID();
        try (WsClient c = WsClient.connect(stack.webSocketUrl(), stack.tokens().issue(user, Duration.ofSeconds(2)))) {
            assertThat(c.request("{\"action\":\"listSessions\"}", "sessions", "error").path("type").asText())
                    .isEqualTo("sessions");
            Thread.sleep(2_600);
            JsonNode refused = c.request("{\"action\":\"sendMessage\",\"clientMessageId\":\"e-1\",\"text\":\"hi\"}",
                    "accepted", "error");
            assertThat(refused.path("code").asText()).isEqualTo("TOKEN_EXPIRED");
            assertThat(c.request("{\"action\":\"ping\"}", "pong").path("type").asText()).isEqualTo("pong");
            c.assertOpen();
        }
    }
}
