package dev.switchboard.tools;

import dev.switchboard.config.Setting;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.output.FinishReason;
import dev.switchboard.config.Env;
import dev.switchboard.testing.InMemoryNoteStore;
import dev.switchboard.testing.LocalMcpServer;
import dev.switchboard.testing.ScriptedOpenAiServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * langchain4j's real OpenAI client against {@link ScriptedOpenAiServer}: the registry's specifications go out as
 * {@code tools}, a streamed tool call comes back whole, and its MCP result goes back to the model.
 */
class OpenAiToolCallStreamingTest {
    private final ObjectMapper json = new ObjectMapper();
    private final ToolContext ctx = new ToolContext("user-1", "s-1", "t-1");
    private LocalMcpServer mcp;
    private ScriptedOpenAiServer openAi;
    private ToolRegistry registry;

    @BeforeEach
    void start() {
        mcp = LocalMcpServer.start();
        openAi = ScriptedOpenAiServer.start();
        registry = ToolRegistry.fromEnv(new Env(Map.of(
                Setting.MCP_SERVERS.name(), "[{\"name\":\"crm\",\"transport\":\"http\",\"url\":\"" + mcp.url() + "\"}]",
                Setting.TOOLS_ALLOWED.name(), "calculate,lookup_order")), () -> 1_000L, new InMemoryNoteStore());
    }

    @AfterEach
    void stop() {
        registry.close();
        openAi.close();
        mcp.close();
    }

    private OpenAiStreamingChatModel streaming() {
        return OpenAiStreamingChatModel.builder().baseUrl(openAi.baseUrl()).apiKey("test").modelName("scripted")
                .timeout(Duration.ofSeconds(20)).build();
    }

    /** Streams one request to the end; the partial texts are collected into {@code partials}. */
    private static ChatResponse stream(OpenAiStreamingChatModel model, ChatRequest request, List<String> partials)
            throws Exception {
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        model.chat(request, new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partialResponse) {
                partials.add(partialResponse);
            }

            @Override
            public void onCompleteResponse(ChatResponse completeResponse) {
                done.complete(completeResponse);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        return done.get(20, TimeUnit.SECONDS);
    }

    @Test
    void aStreamedToolCallArrivesWholeAndItsResultGoesBackToTheModel() throws Exception {
        OpenAiStreamingChatModel model = streaming();
        UserMessage user = UserMessage.from("Where is my parcel? use tool lookup_order {\"orderId\": \"A-1001\"}");

        ChatResponse first = stream(model, ChatRequest.builder().messages(user)
                .toolSpecifications(registry.specifications()).build(), new ArrayList<>());

        assertThat(first.finishReason()).isEqualTo(FinishReason.TOOL_EXECUTION);
        assertThat(first.aiMessage().toolExecutionRequests()).hasSize(1);
        ToolExecutionRequest call = first.aiMessage().toolExecutionRequests().get(0);
        assertThat(call.name()).isEqualTo("lookup_order");
        assertThat(call.id()).isEqualTo("call_1");
        assertThat(json.readTree(call.arguments())).isEqualTo(json.createObjectNode().put("orderId", "A-1001"));
        assertThat(first.tokenUsage().outputTokenCount()).isEqualTo(5);

        JsonNode sent = openAi.requests().get(0);
        assertThat(sent.path("stream").asBoolean()).isTrue();
        List<String> toolNames = new ArrayList<>();
        sent.path("tools").forEach(t -> toolNames.add(t.path("function").path("name").asText()));
        assertThat(toolNames).containsExactly("calculate", "lookup_order");
        JsonNode lookupParams = sent.path("tools").get(1).path("function").path("parameters");
        assertThat(lookupParams.path("properties").path("orderId").path("type").asText()).isEqualTo("string");
        assertThat(lookupParams.path("required").get(0).asText()).isEqualTo("orderId");

        String result = registry.find(call.name()).orElseThrow().execute(ctx, call.arguments());
        assertThat(mcp.callCount("lookup_order")).isEqualTo(1);

        List<String> partials = new CopyOnWriteArrayList<>();
        ChatResponse second = stream(model, ChatRequest.builder()
                .messages(user, first.aiMessage(), ToolExecutionResultMessage.from(call, result))
                .toolSpecifications(registry.specifications()).build(), partials);

        String expected = "Tool said: Order A-1001: " + LocalMcpServer.orderStatus("A-1001");
        assertThat(second.aiMessage().text()).isEqualTo(expected);
        assertThat(second.aiMessage().hasToolExecutionRequests()).isFalse();
        assertThat(second.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(partials).hasSizeGreaterThan(1);
        assertThat(String.join("", partials)).isEqualTo(expected);

        JsonNode followUp = openAi.requests().get(1).path("messages");
        JsonNode toolMessage = followUp.get(followUp.size() - 1);
        assertThat(toolMessage.path("role").asText()).isEqualTo("tool");
        assertThat(toolMessage.path("tool_call_id").asText()).isEqualTo("call_1");
        assertThat(followUp.get(followUp.size() - 2).path("tool_calls").get(0).path("function").path("name")
                .asText()).isEqualTo("lookup_order");
    }

    @Test
    void severalToolCallsStreamInOneAnswer() throws Exception {
        openAi.close();
        openAi = ScriptedOpenAiServer.start(body -> ScriptedOpenAiServer.Reply.toolCalls(
                new ScriptedOpenAiServer.ToolCall("call_a", "calculate", "{\"expression\":\"6 * 7\"}"),
                new ScriptedOpenAiServer.ToolCall("call_b", "lookup_order", "{\"orderId\":\"Z-9\"}")),
                Duration.ofMillis(2));

        ChatResponse r = stream(streaming(), ChatRequest.builder().messages(UserMessage.from("two things"))
                .toolSpecifications(registry.specifications()).build(), new ArrayList<>());

        assertThat(r.aiMessage().toolExecutionRequests())
                .extracting(ToolExecutionRequest::id, ToolExecutionRequest::name, ToolExecutionRequest::arguments)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("call_a", "calculate", "{\"expression\":\"6 * 7\"}"),
                        org.assertj.core.groups.Tuple.tuple("call_b", "lookup_order", "{\"orderId\":\"Z-9\"}"));
    }

    @Test
    void withoutAToolRequestTheDefaultScriptEchoes() throws Exception {
        List<String> partials = new ArrayList<>();
        ChatResponse r = stream(streaming(), ChatRequest.builder().messages(UserMessage.from("hello there you"))
                .build(), partials);

        assertThat(r.aiMessage().text()).isEqualTo("Echo: hello there you");
        assertThat(partials).containsExactly("Echo: ", "hello ", "there ", "you");
        assertThat(openAi.requests().get(0).has("tools")).isFalse();
    }

    @Test
    void aCancelledStreamStopsTheServerWriting() throws Exception {
        openAi.close();
        String[] pieces = new String[40];
        java.util.Arrays.fill(pieces, "word ");
        openAi = ScriptedOpenAiServer.start(body -> ScriptedOpenAiServer.Reply.text(pieces), Duration.ofMillis(50));
        List<String> partials = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> cancelled = new CompletableFuture<>();

        streaming().chat(ChatRequest.builder().messages(UserMessage.from("talk")).build(),
                new StreamingChatResponseHandler() {
                    @Override
                    public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
                        partials.add(partial.text());
                        if (partials.size() == 2) {
                            context.streamingHandle().cancel();
                            cancelled.complete(null);
                        }
                    }

                    @Override
                    public void onCompleteResponse(ChatResponse completeResponse) {}

                    @Override
                    public void onError(Throwable error) {}
                });

        cancelled.get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> openAi.abortedStreams() == 1);
        assertThat(partials).hasSizeLessThan(10);
    }

    @Test
    void theNonStreamingPathAnswersTheSameScript() throws Exception {
        OpenAiChatModel model = OpenAiChatModel.builder().baseUrl(openAi.baseUrl()).apiKey("test")
                .modelName("scripted").timeout(Duration.ofSeconds(20)).build();

        ChatResponse r = model.chat(ChatRequest.builder()
                .messages(AiMessage.from("hi"), UserMessage.from("use tool calculate {\"expression\":\"1+1\"}"))
                .toolSpecifications(registry.specifications()).build());

        assertThat(openAi.requests().get(0).path("stream").asBoolean(false)).isFalse();
        assertThat(r.aiMessage().toolExecutionRequests()).singleElement().satisfies(call -> {
            assertThat(call.name()).isEqualTo("calculate");
            assertThat(call.arguments()).isEqualTo("{\"expression\":\"1+1\"}");
        });
    }

    @Test
    void aFailureReplyIsAnHttpErrorWithOpenAisBody() {
        openAi.close();
        openAi = ScriptedOpenAiServer.start(body -> ScriptedOpenAiServer.Reply.failure(400, "context too long"));
        OpenAiChatModel model = OpenAiChatModel.builder().baseUrl(openAi.baseUrl()).apiKey("test")
                .modelName("scripted").maxRetries(0).build();

        assertThatThrownBy(() -> model.chat(ChatRequest.builder().messages(UserMessage.from("hi")).build()))
                .hasMessageContaining("context too long");
        assertThat(openAi.requests()).hasSize(1);
    }
}
