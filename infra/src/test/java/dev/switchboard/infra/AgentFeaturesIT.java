package dev.switchboard.infra;

import static dev.switchboard.infra.WsClient.doneOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testing.LocalMcpServer;
import dev.switchboard.testing.ScriptedOpenAiServer;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The agent features on the local stack, through the real langchain4j OpenAI client against a scripted local server
 * (streamed tool calls), a local MCP server (streamable HTTP) and the offline model: per-session models and prompts,
 * slash commands, cancel, busy policies, tools with approval, per-user memory and knowledge base.
 */
class AgentFeaturesIT {
    private static final Duration TURN = Duration.ofSeconds(20);
    private static LocalStack stack;
    private static ScriptedOpenAiServer model;
    private static LocalMcpServer mcp;

    @BeforeAll
    static void start() {
        stack = StackFixture.stack();
        model = StackFixture.model();
        mcp = StackFixture.mcp();
    }

    private static WsClient connect(String userId) {
        return WsClient.connect(stack.webSocketUrl(), stack.tokens().issue(userId, Duration.ofHours(1)));
    }

    private static String user() {
        return "user-" + UUID.randomUUID();
    }

    private static String id() {
        return "m-" + UUID.randomUUID();
    }

    private static String session(WsClient c, String model, String extra) {
        JsonNode s = c.request("{\"action\":\"createSession\",\"model\":\"" + model + "\"" + extra + "}", "session",
                "error");
        assertThat(s.path("type").asText()).as(s.toString()).isEqualTo("session");
        return s.path("session").path("sessionId").asText();
    }

    private static JsonNode send(WsClient c, String sessionId, String text) {
        JsonNode r = c.request("{\"action\":\"sendMessage\",\"clientMessageId\":\"" + id() + "\",\"sessionId\":\""
                + sessionId + "\",\"text\":" + json(text) + "}", "accepted", "error", "commandResult");
        return r;
    }

    private static String json(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /**
     * The scripted model's requests for turns (not the memory extraction that follows a turn, whenever it runs)
     * whose last user message contains {@code marker}.
     */
    private static List<JsonNode> requestsAbout(String marker) {
        return model.requests().stream()
                .filter(r -> !r.toString().contains(dev.switchboard.knowledge.MemoryExtractor.MARKER)
                        && !r.toString().contains(dev.switchboard.turn.SessionTitles.MARKER))
                .filter(r -> lastUser(r).contains(marker)).toList();
    }

    private static String lastUser(JsonNode request) {
        String last = "";
        for (JsonNode m : request.path("messages")) {
            if ("user".equals(m.path("role").asText())) {
                last = m.path("content").isTextual() ? m.path("content").asText() : m.path("content").toString();
            }
        }
        return last;
    }

    private static List<JsonNode> history(WsClient c, String sessionId) {
        JsonNode h = c.request("{\"action\":\"getHistory\",\"sessionId\":\"" + sessionId + "\"}", "history");
        List<JsonNode> out = new java.util.ArrayList<>();
        h.path("messages").forEach(out::add);
        return out;
    }

    // ------------------------------------------------------------------ sessions

    @Test
    void twoSessionsOfOneUserRunAtOnceWithTheirOwnModelPromptAndConversation() {
        try (WsClient c = connect(user())) {
            JsonNode models = c.request("{\"action\":\"listModels\"}", "models");
            assertThat(models.path("models").findValuesAsText("id")).containsExactly(StackFixture.OFFLINE,
                    StackFixture.SCRIPTED);
            JsonNode refused = c.request("{\"action\":\"createSession\",\"model\":\"openai:not-allowed\"}", "error");
            assertThat(refused.path("code").asText()).isEqualTo("MODEL_NOT_ALLOWED");

            String marker = UUID.randomUUID().toString();
            String a = session(c, StackFixture.SCRIPTED, ",\"systemPrompt\":\"You are prompt-" + marker + ".\"");
            String b = session(c, StackFixture.OFFLINE, "");
            JsonNode ta = send(c, a, "alpha question " + marker);
            JsonNode tb = send(c, b, "beta question " + marker);
            JsonNode doneA = c.await(doneOf(ta.path("turnId").asText()), TURN);
            JsonNode doneB = c.await(doneOf(tb.path("turnId").asText()), TURN);

            assertThat(doneA.path("model").asText()).isEqualTo("scripted");
            assertThat(doneA.path("offline").asBoolean()).isFalse();
            assertThat(doneB.path("model").asText()).isEqualTo("switchboard-offline-echo");
            List<JsonNode> sent = requestsAbout("alpha question " + marker);
            assertThat(sent).hasSize(1);
            String request = sent.get(0).toString();
            assertThat(request).contains("prompt-" + marker).doesNotContain("beta question");
            assertThat(requestsAbout("beta question " + marker)).as("the offline session never reached the server")
                    .isEmpty();
            assertThat(history(c, b)).extracting(m -> m.path("text").asText())
                    .noneMatch(t -> t.contains("alpha question"));
        }
    }

    @Test
    void slashCommandsAreAnsweredWithoutTheModelAndStoreNothing() {
        try (WsClient c = connect(user())) {
            String s = session(c, StackFixture.OFFLINE, "");
            JsonNode help = send(c, s, "/help");
            assertThat(help.path("type").asText()).isEqualTo("commandResult");
            assertThat(help.path("text").asText()).contains("/reset", "/model", "/memory", "/help");
            JsonNode list = send(c, s, "/model");
            assertThat(list.path("text").asText()).contains(StackFixture.SCRIPTED, StackFixture.OFFLINE);
            JsonNode set = send(c, s, "/model " + StackFixture.SCRIPTED);
            assertThat(set.path("text").asText()).contains("now uses " + StackFixture.SCRIPTED);
            JsonNode unknown = send(c, s, "/frobnicate");
            assertThat(unknown.path("code").asText()).isEqualTo("UNKNOWN_COMMAND");
            assertThat(history(c, s)).isEmpty();
            assertThat(model.requests()).as("no command reached a model").noneMatch(r -> lastUser(r).startsWith("/"));

            JsonNode t = send(c, s, "hello after switching");
            assertThat(c.await(doneOf(t.path("turnId").asText()), TURN).path("model").asText()).isEqualTo("scripted");
            JsonNode reset = send(c, s, "/reset");
            assertThat(reset.path("text").asText()).contains("Conversation cleared (2 messages)");
            assertThat(history(c, s)).isEmpty();
        }
    }

    // ------------------------------------------------------------------ cancel and busy policies

    @Test
    void cancelStopsTheStreamWithinASecondAndKeepsWhatWasStreamed() {
        try (WsClient c = connect(user())) {
            String s = session(c, StackFixture.SCRIPTED, "");
            int abortedBefore = model.abortedStreams();
            String turn = send(c, s, StackFixture.LONG_ANSWER).path("turnId").asText();
            c.await(f -> "delta".equals(f.path("type").asText()) && turn.equals(f.path("turnId").asText()), TURN);
            long cancelledAt = System.nanoTime();
            JsonNode ack = c.request("{\"action\":\"cancel\",\"sessionId\":\"" + s + "\"}", "cancelRequested");
            assertThat(ack.path("turnId").asText()).isEqualTo(turn);
            JsonNode done = c.await(doneOf(turn), Duration.ofSeconds(5));
            long millis = (System.nanoTime() - cancelledAt) / 1_000_000;
            assertThat(done.path("finishReason").asText()).isEqualTo("CANCELLED");
            assertThat(millis).as("cancel to done, ms").isLessThan(1_000);
            await().atMost(Duration.ofSeconds(5)).until(() -> model.abortedStreams() > abortedBefore);

            List<JsonNode> deltas = c.ofTurn(turn).stream().filter(WsClient.type("delta")).toList();
            assertThat(deltas).hasSize(done.path("deltas").asInt());
            String streamed = String.join("", deltas.stream().map(d -> d.path("text").asText()).toList());
            assertThat(streamed.length()).isLessThan(400 * "word ".length());
            JsonNode answer = history(c, s).stream().filter(m -> "assistant".equals(m.path("role").asText()))
                    .findFirst().orElseThrow();
            assertThat(answer.path("status").asText()).isEqualTo("cancelled");
            assertThat(answer.path("text").asText()).isEqualTo(streamed);

            JsonNode nothing = c.request("{\"action\":\"cancel\",\"sessionId\":\"" + s + "\"}", "error");
            assertThat(nothing.path("code").asText()).isEqualTo("NOTHING_TO_CANCEL");
        }
    }

    @Test
    void busyPoliciesRejectOrInterrupt() {
        try (WsClient c = connect(user())) {
            String rejecting = session(c, StackFixture.SCRIPTED, ",\"busyPolicy\":\"reject\"");
            String first = send(c, rejecting, StackFixture.LONG_ANSWER).path("turnId").asText();
            JsonNode busy = send(c, rejecting, "a second message");
            assertThat(busy.path("code").asText()).isEqualTo("SESSION_BUSY");
            c.request("{\"action\":\"cancel\",\"sessionId\":\"" + rejecting + "\"}", "cancelRequested");
            c.await(doneOf(first), TURN);
            assertThat(history(c, rejecting)).extracting(m -> m.path("text").asText())
                    .doesNotContain("a second message");

            String interrupting = session(c, StackFixture.SCRIPTED, ",\"busyPolicy\":\"interrupt\"");
            String running = send(c, interrupting, StackFixture.LONG_ANSWER).path("turnId").asText();
            c.await(f -> "delta".equals(f.path("type").asText()) && running.equals(f.path("turnId").asText()), TURN);
            String next = send(c, interrupting, "the interrupting message").path("turnId").asText();
            assertThat(c.await(doneOf(running), TURN).path("finishReason").asText()).isEqualTo("CANCELLED");
            JsonNode nextDone = c.await(doneOf(next), TURN);
            assertThat(nextDone.path("finishReason").asText()).isEqualTo("STOP");
        }
    }

    // ------------------------------------------------------------------ tools

    @Test
    void anMcpToolCallIsStreamedRunOnceAndKeptInHistory() {
        try (WsClient c = connect(user())) {
            String s = session(c, StackFixture.SCRIPTED, "");
            long before = mcp.callCount(LocalMcpServer.LOOKUP_ORDER);
            String turn = send(c, s, "use tool lookup_order {\"orderId\":\"A-17\"}").path("turnId").asText();
            JsonNode done = c.await(doneOf(turn), TURN);
            List<String> types = c.ofTurn(turn).stream().map(f -> f.path("type").asText())
                    .filter(t -> !t.equals("accepted")).toList();
            assertThat(types).startsWith("toolCall", "toolResult").endsWith("done").contains("delta");
            JsonNode result = c.ofTurn(turn).stream().filter(WsClient.type("toolResult")).findFirst().orElseThrow();
            assertThat(result.path("name").asText()).isEqualTo(LocalMcpServer.LOOKUP_ORDER);
            assertThat(result.path("status").asText()).isEqualTo("done");
            assertThat(result.path("result").asText()).contains(LocalMcpServer.orderStatus("A-17"));
            assertThat(mcp.callCount(LocalMcpServer.LOOKUP_ORDER)).isEqualTo(before + 1);
            assertThat(done.path("finishReason").asText()).isEqualTo("STOP");

            List<JsonNode> h = history(c, s);
            assertThat(h).extracting(m -> m.path("role").asText()).containsExactly("user", "tool", "assistant");
            assertThat(h.get(1).path("toolName").asText()).isEqualTo(LocalMcpServer.LOOKUP_ORDER);
            assertThat(h.get(2).path("text").asText()).contains("Tool said:");
        }
    }

    @Test
    void aToolNeedingApprovalRunsOnlyAfterApprovalAndOnceAndNeverWhenDenied() {
        try (WsClient c = connect(user())) {
            String s = session(c, StackFixture.SCRIPTED, "");
            long before = mcp.callCount(LocalMcpServer.WIPE_RECORDS);
            String turn = send(c, s, "use tool wipe_records {\"scope\":\"old\"}").path("turnId").asText();
            JsonNode ask = c.await(f -> "approvalRequired".equals(f.path("type").asText())
                    && turn.equals(f.path("turnId").asText()), TURN);
            assertThat(ask.path("name").asText()).isEqualTo(LocalMcpServer.WIPE_RECORDS);
            String call = ask.path("toolCallId").asText();
            await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(2))
                    .until(() -> mcp.callCount(LocalMcpServer.WIPE_RECORDS) == before);
            assertThat(c.ofTurn(turn)).noneMatch(WsClient.type("done"));

            String decide = "{\"action\":\"approveTool\",\"sessionId\":\"" + s + "\",\"turnId\":\"" + turn
                    + "\",\"toolCallId\":\"" + call + "\"}";
            assertThat(c.request(decide, "toolDecision").path("status").asText()).isEqualTo("approved");
            JsonNode done = c.await(doneOf(turn), TURN);
            assertThat(done.path("finishReason").asText()).isEqualTo("STOP");
            assertThat(mcp.callCount(LocalMcpServer.WIPE_RECORDS)).isEqualTo(before + 1);
            assertThat(c.request(decide, "toolDecision").path("status").asText()).isIn("running", "done");
            JsonNode flip = c.request(decide.replace("approveTool", "denyTool"), "error");
            assertThat(flip.path("code").asText()).isEqualTo("TOOL_ALREADY_DECIDED");
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                    .until(() -> mcp.callCount(LocalMcpServer.WIPE_RECORDS) == before + 1);

            String denied = send(c, s, "use tool wipe_records {\"scope\":\"all\"}").path("turnId").asText();
            JsonNode ask2 = c.await(f -> "approvalRequired".equals(f.path("type").asText())
                    && denied.equals(f.path("turnId").asText()), TURN);
            JsonNode no = c.request("{\"action\":\"denyTool\",\"sessionId\":\"" + s + "\",\"turnId\":\"" + denied
                    + "\",\"toolCallId\":\"" + ask2.path("toolCallId").asText() + "\"}", "toolDecision");
            assertThat(no.path("status").asText()).isEqualTo("denied");
            c.await(doneOf(denied), TURN);
            JsonNode deniedResult = c.ofTurn(denied).stream().filter(WsClient.type("toolResult")).findFirst()
                    .orElseThrow();
            assertThat(deniedResult.path("status").asText()).isEqualTo("denied");
            assertThat(mcp.callCount(LocalMcpServer.WIPE_RECORDS)).isEqualTo(before + 1);
        }
    }

    // ------------------------------------------------------------------ memory and knowledge base

    @Test
    void oneUsersMemoryNeverReachesAnotherUsersPromptAndCanBeDeleted() {
        String alice = user();
        String code = "locker " + (100_000 + new java.util.Random().nextInt(800_000));
        try (WsClient a = connect(alice); WsClient b = connect(user())) {
            String offline = session(a, StackFixture.OFFLINE, "");
            String t = send(a, offline, "Please remember that my code is " + code + ".").path("turnId").asText();
            a.await(doneOf(t), TURN);
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    a.request("{\"action\":\"listMemories\"}", "memories").toString().contains(code));

            String question = "What is my code? " + UUID.randomUUID();
            String sb = session(b, StackFixture.SCRIPTED, "");
            b.await(doneOf(send(b, sb, question).path("turnId").asText()), TURN);
            assertThat(requestsAbout(question)).hasSize(1).allSatisfy(r -> assertThat(r.toString()).doesNotContain(code));

            String sa = session(a, StackFixture.SCRIPTED, "");
            String question2 = "What is my code? " + UUID.randomUUID();
            JsonNode done = a.await(doneOf(send(a, sa, question2).path("turnId").asText()), TURN);
            assertThat(done.path("memories").asInt()).isGreaterThanOrEqualTo(1);
            assertThat(requestsAbout(question2)).hasSize(1).allSatisfy(r -> assertThat(r.toString()).contains(code));

            JsonNode memories = a.request("{\"action\":\"listMemories\"}", "memories");
            String memoryId = memories.path("memories").get(0).path("memoryId").asText();
            assertThat(a.request("{\"action\":\"deleteMemory\",\"memoryId\":\"" + memoryId + "\"}", "memoryDeleted")
                    .path("memoryId").asText()).isEqualTo(memoryId);
            String question3 = "What is my code? " + UUID.randomUUID();
            a.await(doneOf(send(a, sa, question3).path("turnId").asText()), TURN);
            assertThat(requestsAbout(question3)).hasSize(1)
                    .allSatisfy(r -> assertThat(r.toString()).doesNotContain(code));
        }
    }

    @Test
    void aDocumentIsRetrievedOnlyForItsOwnerWithSources() {
        String marker = "quagga" + (1000 + new java.util.Random().nextInt(9000));
        String text = "Zebras live in Africa and eat mostly grass. The herd's watchword is " + marker
                + ". Zebras sleep standing up and their stripes are unique to each animal.";
        try (WsClient a = connect(user()); WsClient b = connect(user())) {
            JsonNode added = a.request("{\"action\":\"addDocument\",\"title\":\"Zebra handbook\",\"text\":" + json(text)
                    + "}", "documentAdded");
            String documentId = added.path("document").path("documentId").asText();
            assertThat(added.path("document").path("status").asText()).isEqualTo("indexing");
            a.await(f -> "documentReady".equals(f.path("type").asText())
                    && documentId.equals(f.path("documentId").asText()), TURN);

            String q1 = "What do zebras eat and what is the herd's watchword? " + UUID.randomUUID();
            String sb = session(b, StackFixture.SCRIPTED, "");
            JsonNode doneB = b.await(doneOf(send(b, sb, q1).path("turnId").asText()), TURN);
            assertThat(doneB.has("sources")).isFalse();
            assertThat(requestsAbout(q1)).hasSize(1).allSatisfy(r -> assertThat(r.toString()).doesNotContain(marker));

            String q2 = "What do zebras eat and what is the herd's watchword? " + UUID.randomUUID();
            String sa = session(a, StackFixture.SCRIPTED, "");
            JsonNode doneA = a.await(doneOf(send(a, sa, q2).path("turnId").asText()), TURN);
            assertThat(doneA.path("sources").findValuesAsText("documentId")).contains(documentId);
            assertThat(doneA.path("sources").get(0).path("title").asText()).isEqualTo("Zebra handbook");
            assertThat(requestsAbout(q2)).hasSize(1).allSatisfy(r -> assertThat(r.toString()).contains(marker));

            assertThat(a.request("{\"action\":\"listDocuments\"}", "documents").path("documents")
                    .findValuesAsText("documentId")).containsExactly(documentId);
            assertThat(b.request("{\"action\":\"listDocuments\"}", "documents").path("documents")).isEmpty();
            JsonNode notYours = b.request("{\"action\":\"deleteDocument\",\"documentId\":\"" + documentId + "\"}",
                    "error");
            assertThat(notYours.path("code").asText()).isEqualTo("NOT_FOUND");
            a.request("{\"action\":\"deleteDocument\",\"documentId\":\"" + documentId + "\"}", "documentDeleted");
            String q3 = "What do zebras eat? " + UUID.randomUUID();
            JsonNode after = a.await(doneOf(send(a, sa, q3).path("turnId").asText()), TURN);
            assertThat(after.has("sources")).isFalse();
        }
    }
}
