package dev.switchboard.infra;

import static dev.switchboard.infra.WsClient.doneOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A {@code bedrock:} model on the local stack: the worker's langchain4j Bedrock model and the AWS SDK's real Bedrock
 * runtime client (Netty), pointed by BEDROCK_ENDPOINT at {@link ScriptedBedrockServer}, which answers ConverseStream
 * in the event-stream encoding. A text answer, and a tool call followed by a text answer, stream to the client with
 * the model's usage in {@code done}.
 */
class BedrockIT {
    private static final Duration TURN = Duration.ofSeconds(20);
    /** An inference-profile id, as a Bedrock model id in MODELS may be. */
    private static final String MODEL_ID = "eu.anthropic.claude-3-haiku-20240307-v1:0";
    private static final String MODEL = "bedrock:" + MODEL_ID;
    private static ScriptedBedrockServer bedrock;
    private static LocalStack stack;

    @BeforeAll
    static void start() {
        bedrock = ScriptedBedrockServer.start();
        stack = LocalStack.start(LocalStack.Options.defaults()
                .withEnv(Map.of("MODELS", MODEL, "BEDROCK_ENDPOINT", bedrock.endpoint(),
                        "TOOLS_ALLOWED", "calculate", "DELTA_FLUSH_MILLIS", "0", "DELTA_FLUSH_MAX_MILLIS", "0")));
    }

    @AfterAll
    static void stop() {
        stack.close();
        bedrock.close();
    }

    private static WsClient connect() {
        return WsClient.connect(stack.webSocketUrl(), stack.tokens().issue("user-" + UUID.randomUUID(),
                Duration.ofHours(1)));
    }

    private static String session(WsClient c) {
        JsonNode s = c.request("{\"action\":\"createSession\",\"model\":\"" + MODEL + "\"}", "session");
        return s.path("session").path("sessionId").asText();
    }

    private static String send(WsClient c, String sessionId, String text) {
        return c.request("{\"action\":\"sendMessage\",\"clientMessageId\":\"m-" + UUID.randomUUID()
                + "\",\"sessionId\":\"" + sessionId + "\",\"text\":\"" + text.replace("\"", "\\\"") + "\"}",
                "accepted").path("turnId").asText();
    }

    /** The requests of turns (not of the memory job) whose last user message contains {@code marker}. */
    private static List<ScriptedBedrockServer.Request> turnRequests(String marker) {
        return bedrock.requests().stream()
                .filter(r -> !r.body().path("system").toString()
                        .contains(dev.switchboard.knowledge.MemoryExtractor.MARKER)
                        && !r.body().path("system").toString().contains(dev.switchboard.turn.SessionTitles.MARKER))
                .filter(r -> ScriptedBedrockServer.lastUserText(r.body()).contains(marker)).toList();
    }

    private static String streamedText(WsClient c, String turn) {
        StringBuilder text = new StringBuilder();
        c.ofTurn(turn).stream().filter(WsClient.type("delta")).forEach(d -> text.append(d.path("text").asText()));
        return text.toString();
    }

    @Test
    void aTextAnswerStreamsFromConverseStreamWithItsUsage() {
        try (WsClient c = connect()) {
            JsonNode models = c.request("{\"action\":\"listModels\"}", "models");
            assertThat(models.path("models").findValuesAsText("id")).containsExactly(MODEL);
            assertThat(models.path("models").get(0).path("provider").asText()).isEqualTo("bedrock");

            String marker = UUID.randomUUID().toString();
            String s = session(c);
            String turn = send(c, s, "hello " + marker);
            JsonNode done = c.await(doneOf(turn), TURN);

            assertThat(streamedText(c, turn)).isEqualTo(String.join("", ScriptedBedrockServer.ANSWER));
            assertThat(c.ofTurn(turn).stream().filter(WsClient.type("delta")).count()).isGreaterThan(1);
            assertThat(done.path("model").asText()).isEqualTo(MODEL_ID);
            assertThat(done.path("offline").asBoolean()).isFalse();
            assertThat(done.path("finishReason").asText()).isEqualTo("STOP");
            assertUsage(done, ScriptedBedrockServer.TEXT_USAGE);

            List<ScriptedBedrockServer.Request> sent = turnRequests(marker);
            assertThat(sent).hasSize(1);
            assertThat(sent.get(0).modelId()).isEqualTo(MODEL_ID);
        }
    }

    @Test
    void aToolCallRunsAndItsResultGoesBackToTheModelForTheAnswer() {
        try (WsClient c = connect()) {
            String marker = UUID.randomUUID().toString();
            String s = session(c);
            String turn = send(c, s, "use tool calculate {\"expression\":\"6*7\"} " + marker);
            JsonNode done = c.await(doneOf(turn), TURN);

            List<String> types = c.ofTurn(turn).stream().map(f -> f.path("type").asText())
                    .filter(t -> !t.equals("accepted")).toList();
            assertThat(types).startsWith("toolCall", "toolResult").endsWith("done").contains("delta");
            JsonNode call = c.ofTurn(turn).stream().filter(WsClient.type("toolCall")).findFirst().orElseThrow();
            assertThat(call.path("name").asText()).isEqualTo("calculate");
            JsonNode result = c.ofTurn(turn).stream().filter(WsClient.type("toolResult")).findFirst().orElseThrow();
            assertThat(result.path("status").asText()).isEqualTo("done");
            assertThat(result.path("result").asText()).contains("42");
            assertThat(streamedText(c, turn)).startsWith("The tool said: ").contains("42");
            assertThat(done.path("finishReason").asText()).isEqualTo("STOP");
            int[] sum = new int[3];
            for (int i = 0; i < 3; i++) {
                sum[i] = ScriptedBedrockServer.TOOL_CALL_USAGE[i] + ScriptedBedrockServer.TEXT_USAGE[i];
            }
            assertUsage(done, sum);

            // the second call carries the assistant's toolUse and the user's toolResult, as Converse wants them
            List<ScriptedBedrockServer.Request> sent = turnRequests(marker);
            assertThat(sent).hasSize(2);
            assertThat(sent.get(0).body().path("toolConfig").path("tools").findValuesAsText("name"))
                    .contains("calculate");
            JsonNode messages = sent.get(1).body().path("messages");
            JsonNode toolUse = messages.get(messages.size() - 2).path("content").findValue("toolUse");
            assertThat(toolUse.path("name").asText()).isEqualTo("calculate");
            assertThat(toolUse.path("input").path("expression").asText()).isEqualTo("6*7");
            JsonNode toolResult = messages.get(messages.size() - 1).path("content").findValue("toolResult");
            assertThat(toolResult.path("toolUseId").asText()).isEqualTo(toolUse.path("toolUseId").asText());
            assertThat(toolResult.toString()).contains("42");
        }
    }

    private static void assertUsage(JsonNode done, int[] expected) {
        JsonNode usage = done.path("usage");
        assertThat(List.of(usage.path("inputTokens").asInt(), usage.path("outputTokens").asInt(),
                usage.path("totalTokens").asInt())).containsExactly(expected[0], expected[1], expected[2]);
    }
}
