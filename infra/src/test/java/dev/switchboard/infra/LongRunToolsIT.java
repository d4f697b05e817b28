package dev.switchboard.infra;

import static dev.switchboard.infra.LongRunFrames.lostAndDuplicated;
import static dev.switchboard.infra.LongRunFrames.ofType;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.adapter.dynamodb.DynamoDbMessageStore;
import dev.switchboard.agent.AgentFactory;
import dev.switchboard.config.Setting;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.knowledge.MemoryExtractor;
import dev.switchboard.protocol.ProtocolCodec;
import dev.switchboard.testing.ClientView;
import dev.switchboard.testing.LocalMcpServer;
import dev.switchboard.testing.ScriptedOpenAiServer;
import dev.switchboard.testing.ScriptedOpenAiServer.Reply;
import dev.switchboard.turn.SessionTitles;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Long runs with tool rounds (issue 15) on a stack whose worker times out after 3 s: a scripted OpenAI-compatible
 * model streams each round's text for about 3 s (one word every 100 ms), and the MCP server's tools take 1 s a call,
 * so rounds of text and of tool calls cross invocations. One run asks for three slow lookups at once: the calls there
 * is no time left for are handed on and run by the next invocation, each exactly once. The other pauses for an
 * approval between two long rounds. In both the client sees one stream (no restart, no repeated or missing seq) whose
 * text is the stored answer byte for byte.
 */
class LongRunToolsIT {
    private static final int TIMEOUT_SECONDS = 3;
    private static final int ROUND_WORDS = 30;
    private static final Duration RUN = Duration.ofSeconds(120);
    private static final String LOOKUPS = "[three-lookups]";
    private static final String APPROVAL = "[wipe-after-approval]";
    private static final LongRunScenariosIT.Hooks HOOKS = new LongRunScenariosIT.Hooks();
    private static ScriptedOpenAiServer model;
    private static LocalMcpServer mcp;
    private static LocalStack stack;
    private static DynamoDbMessageStore messages;
    private final ProtocolCodec codec = new ProtocolCodec();

    @BeforeAll
    static void start() {
        model = ScriptedOpenAiServer.start(LongRunToolsIT::reply, Duration.ofMillis(100));
        mcp = LocalMcpServer.start(LocalMcpServer.Responses.JSON, Duration.ofSeconds(1));
        stack = LocalStack.start(LocalStack.Options.defaults()
                .withWorkerTimeout(TIMEOUT_SECONDS)
                .withVisibility(1)
                .withAwsInterceptors(List.of(HOOKS))
                .withEnv(Map.of("MODELS", StackFixture.SCRIPTED, "OPENAI_BASE_URL", model.baseUrl(),
                        "TOOLS_ALLOWED", "*", "TOOLS_APPROVAL", LocalMcpServer.WIPE_RECORDS,
                        "MCP_SERVERS", "[{\"name\":\"shop\",\"transport\":\"http\",\"url\":\"" + mcp.url() + "\"}]",
                        "CANCEL_POLL_MILLIS", "200")));
        messages = new DynamoDbMessageStore(stack.dynamo(),
                stack.environment("WorkerFunction").get(Setting.MESSAGES_TABLE.name()));
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
        model.close();
        mcp.close();
    }

    /** The text of a round: {@code <name>1 … <name>30 }. */
    private static String round(String name) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= ROUND_WORDS; i++) {
            b.append(name).append(i).append(' ');
        }
        return b.toString();
    }

    private static final String FIRST = round("ask");
    private static final String LAST = round("answer");

    /**
     * The model: the first round's text and its tool calls, then, once tool results are in, the last round's text.
     * Asked to continue a cut round, it streams the rest of that round (after the partial answer it is given).
     */
    private static Reply reply(JsonNode body) {
        String request = body.toString();
        if (request.contains(SessionTitles.MARKER)) {
            return Reply.text("Long tools");
        }
        if (request.contains(MemoryExtractor.MARKER)) {
            return Reply.text("{\"operations\":[]}");
        }
        JsonNode messages = body.path("messages");
        JsonNode last = messages.get(messages.size() - 1);
        boolean continues = "user".equals(last.path("role").asText())
                && AgentFactory.CONTINUE_INSTRUCTION.equals(last.path("content").asText());
        String partial = continues ? messages.get(messages.size() - 2).path("content").asText("") : "";
        boolean afterTools = false;
        for (JsonNode m : messages) {
            afterTools |= "tool".equals(m.path("role").asText());
        }
        String whole = afterTools ? LAST : FIRST;
        if (!whole.startsWith(partial)) {
            return Reply.failure(500, "asked to continue text this model never wrote");
        }
        List<String> rest = List.of(ScriptedOpenAiServer.pieces(whole.substring(partial.length())))
                .stream().filter(p -> !p.isEmpty()).toList();
        ScriptedOpenAiServer.Usage usage = new ScriptedOpenAiServer.Usage(50, rest.size());
        if (afterTools) {
            return new Reply.Text(rest, usage);
        }
        List<ScriptedOpenAiServer.ToolCall> calls = request.contains(LOOKUPS)
                ? IntStream.rangeClosed(1, 3).mapToObj(i -> new ScriptedOpenAiServer.ToolCall("call_" + i,
                        LocalMcpServer.LOOKUP_ORDER, "{\"orderId\":\"A" + i + "\"}")).toList()
                : List.of(new ScriptedOpenAiServer.ToolCall("call_w", LocalMcpServer.WIPE_RECORDS,
                        "{\"table\":\"t\"}"));
        return new Reply.ToolCalls(rest, calls, usage);
    }

    private static StoredMessage stored(String user, String session, String turn) {
        return LongRunFrames.answer(messages, user, session, turn);
    }

    private static WsClient connect(String user) {
        return WsClient.connect(stack.webSocketUrl(), stack.tokens().issue(user, Duration.ofHours(1)));
    }

    /** A turn sent on {@code c}: [sessionId, turnId]. */
    private static String[] send(WsClient c, String text) {
        JsonNode accepted = c.request("{\"action\":\"sendMessage\",\"clientMessageId\":\"t-" + UUID.randomUUID()
                + "\",\"text\":\"" + text + "\"}", "accepted");
        return new String[] {accepted.path("sessionId").asText(), accepted.path("turnId").asText()};
    }



    /** The checks both scenarios share: one stream, stored as streamed, the whole answer, the checkpoint cleared. */
    private void oneStreamStored(List<JsonNode> frames, JsonNode done, String user, String session, String turn) {
        ClientView view = new ClientView();
        frames.forEach(f -> view.apply(codec.readEvent(f.toString())));
        List<JsonNode> deltas = ofType(frames, "delta");
        StringBuilder streamed = new StringBuilder();
        deltas.forEach(d -> streamed.append(d.path("text").asText()));
        StoredMessage answer = stored(user, session, turn);
        assertThat(done.path("finishReason").asText()).isEqualTo("STOP");
        assertThat(ofType(frames, "done")).hasSize(1);
        assertThat(ofType(frames, "restart")).as("no restart").isEmpty();
        assertThat(ofType(frames, "error")).isEmpty();
        assertThat(lostAndDuplicated(deltas)).as("lost, duplicated").containsExactly(0, 0);
        assertThat(view.outOfOrder()).isZero();
        assertThat(answer).isNotNull();
        assertThat(streamed.toString()).as("the client's deltas are the stored answer byte for byte")
                .isEqualTo(answer.text()).isEqualTo(view.text()).isEqualTo(FIRST + LAST);
        assertThat(done.path("deltas").asInt()).isEqualTo(deltas.size());
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(messages.checkpoint(user, session, turn)).as("checkpoint cleared").isEmpty());
    }

    @Test
    void toolCallsWithoutTimeLeftAreHandedOnAndEachRunsOnce() {
        String user = "long-tools-deadline";
        long before = stack.workerInvocations();
        long lookupsBefore = mcp.callCount(LocalMcpServer.LOOKUP_ORDER);
        try (WsClient c = connect(user)) {
            String[] st = send(c, "look up my three orders " + LOOKUPS);
            String session = st[0];
            String turn = st[1];
            JsonNode done = c.await(WsClient.doneOf(turn), RUN);
            List<JsonNode> frames = c.ofTurn(turn);
            List<JsonNode> calls = ofType(frames, "toolCall");
            List<JsonNode> results = ofType(frames, "toolResult");
            List<Long> saved = HOOKS.savedAt(turn);
            // a call announced before a checkpoint whose result came after it: handed on with its round
            long handedOnCalls = calls.stream().filter(call -> {
                long announced = c.arrivedAt(call);
                long resulted = results.stream()
                        .filter(r -> r.path("toolCallId").asText().equals(call.path("toolCallId").asText()))
                        .mapToLong(c::arrivedAt).findFirst().orElse(Long.MAX_VALUE);
                return saved.stream().anyMatch(at -> at > announced && at < resulted);
            }).count();
            List<String> ran = mcp.calls().stream().skip(lookupsBefore)
                    .filter(x -> x.name().equals(LocalMcpServer.LOOKUP_ORDER))
                    .map(x -> x.arguments().path("orderId").asText()).toList();
            int handoffs = done.path("timings").path("handoffs").asInt(0);
            int[] ld = lostAndDuplicated(ofType(frames, "delta"));
            System.out.println("scenario: long-run-tools runs=" + (stack.workerInvocations() - before)
                    + ", hand-offs=" + handoffs + ", tool-calls=" + calls.size() + ", tool-runs=" + ran.size()
                    + ", calls-handed-on=" + handedOnCalls + ", lost=" + ld[0] + ", duplicated=" + ld[1]);

            assertThat(ran).as("each call ran exactly once").containsExactlyInAnyOrder("A1", "A2", "A3");
            assertThat(calls).extracting(f -> f.path("toolCallId").asText())
                    .containsExactly("call_1", "call_2", "call_3");
            assertThat(results).as("one result each").extracting(f -> f.path("toolCallId").asText())
                    .containsExactly("call_1", "call_2", "call_3");
            assertThat(results).allSatisfy(r -> assertThat(r.path("status").asText()).isEqualTo("done"));
            assertThat(handedOnCalls).as("3 s of calls in a 2.5 s segment: at least one waits for the next")
                    .isPositive();
            assertThat(handoffs).as("the rounds' text and the calls cross invocations").isGreaterThanOrEqualTo(3);
            assertThat(HOOKS.checkpoints(turn)).hasSize(handoffs);
            oneStreamStored(frames, done, user, session, turn);
        }
    }

    @Test
    void aRunPausedForApprovalBetweenLongRoundsGoesOnAsOneStream() {
        String user = "long-tools-approval";
        long before = stack.workerInvocations();
        long wipesBefore = mcp.callCount(LocalMcpServer.WIPE_RECORDS);
        try (WsClient c = connect(user)) {
            String[] st = send(c, "wipe table t " + APPROVAL);
            String session = st[0];
            String turn = st[1];
            JsonNode ask = c.await(f -> "approvalRequired".equals(f.path("type").asText())
                    && turn.equals(f.path("turnId").asText()), RUN);
            int handedOnBefore = HOOKS.checkpoints(turn).size();
            assertThat(mcp.callCount(LocalMcpServer.WIPE_RECORDS)).as("not run before the decision")
                    .isEqualTo(wipesBefore);
            JsonNode decision = c.request("{\"action\":\"approveTool\",\"sessionId\":\"" + session
                    + "\",\"turnId\":\"" + turn + "\",\"toolCallId\":\"" + ask.path("toolCallId").asText() + "\"}",
                    "toolDecision", "error");
            assertThat(decision.path("status").asText()).as(decision.toString()).isEqualTo("approved");
            JsonNode done = c.await(WsClient.doneOf(turn), RUN);
            List<JsonNode> frames = c.ofTurn(turn);
            int handedOnAfter = HOOKS.checkpoints(turn).size() - handedOnBefore;
            int[] ld = lostAndDuplicated(ofType(frames, "delta"));
            long wipes = mcp.callCount(LocalMcpServer.WIPE_RECORDS) - wipesBefore;
            System.out.println("scenario: long-run-approval runs=" + (stack.workerInvocations() - before)
                    + ", hand-offs-before-approval=" + handedOnBefore + ", hand-offs-after=" + handedOnAfter
                    + ", tool-runs=" + wipes + ", lost=" + ld[0] + ", duplicated=" + ld[1]);

            assertThat(wipes).as("the approved call ran once").isEqualTo(1);
            assertThat(handedOnBefore).as("the first round crossed an invocation").isGreaterThanOrEqualTo(1);
            assertThat(handedOnAfter).as("so did the round after the decision").isGreaterThanOrEqualTo(1);
            assertThat(done.path("timings").path("handoffs").asInt()).as("counted from the decision")
                    .isEqualTo(handedOnAfter);
            assertThat(ofType(frames, "toolResult")).singleElement()
                    .satisfies(r -> assertThat(r.path("status").asText()).isEqualTo("done"));
            oneStreamStored(frames, done, user, session, turn);
        }
    }
}
