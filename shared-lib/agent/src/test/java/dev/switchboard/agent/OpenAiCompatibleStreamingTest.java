package dev.switchboard.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.switchboard.config.Env;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.Connection;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.Session;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.protocol.ProtocolCodec;
import dev.switchboard.protocol.ServerEvent;
import dev.switchboard.domain.Ids;
import dev.switchboard.testing.InMemoryConnectionStore;
import dev.switchboard.testing.InMemoryMessageStore;
import dev.switchboard.testing.InMemorySessionStore;
import dev.switchboard.testing.RecordingGateway;
import dev.switchboard.turn.TurnRunner;
import dev.switchboard.turn.TurnSettings;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The OpenAI-compatible model path end to end against a local server that streams in OpenAI's SSE format. */
class OpenAiCompatibleStreamingTest {
    private static final List<String> PIECES = List.of("Hel", "lo", ", wor", "ld ", "\u00e9\u20ac\uD83D\uDE00", "!");
    private static final String STREAMED = String.join("", PIECES);
    private static final String PROMPT = "You are the mock test assistant.";
    private static final String USER_TEXT = "Say hello to the mock server";

    private final ObjectMapper json = new ObjectMapper();
    private final List<String> requestBodies = new CopyOnWriteArrayList<>();
    private final List<String> requestPaths = new CopyOnWriteArrayList<>();
    private HttpServer server;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            requestPaths.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
            requestBodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            if (!"POST".equals(exchange.getRequestMethod())
                    || !"/v1/chat/completions".equals(exchange.getRequestURI().getPath())) {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                for (String piece : PIECES) {
                    write(out, chunk(json.createObjectNode().put("content", piece), null));
                }
                write(out, chunk(json.createObjectNode(), "stop"));
                write(out, "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                        + "\"model\":\"mock-model\",\"choices\":[],"
                        + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3,\"total_tokens\":15}}");
                write(out, "[DONE]");
            }
        });
        server.start();
    }

    private String chunk(JsonNode delta, String finishReason) {
        var choice = json.createObjectNode().put("index", 0);
        choice.set("delta", delta);
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        var root = json.createObjectNode()
                .put("id", "chatcmpl-1")
                .put("object", "chat.completion.chunk")
                .put("created", 1700000000)
                .put("model", "mock-model");
        root.putArray("choices").add(choice);
        return root.toString();
    }

    private static void write(OutputStream out, String data) throws IOException {
        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private ModelChoice openAi() {
        return ChatModels.fromEnv(new Env(Map.of(
                "MODEL_PROVIDER", "openai",
                "OPENAI_BASE_URL", "http://127.0.0.1:" + server.getAddress().getPort() + "/v1",
                "OPENAI_API_KEY", "test",
                "OPENAI_MODEL", "mock-model")));
    }

    @Test
    void aTurnStreamsThroughAnOpenAiCompatibleEndpoint() throws Exception {
        InMemoryMessageStore messages = new InMemoryMessageStore();
        InMemorySessionStore sessions = new InMemorySessionStore();
        InMemoryConnectionStore connections = new InMemoryConnectionStore();
        RecordingGateway gateway = new RecordingGateway();
        ProtocolCodec codec = new ProtocolCodec();
        String user = "user-1";
        String session = "s-1";
        sessions.createIfAbsent(new Session(user, session, "t", 1, 1));
        connections.put(new Connection(user, "conn-1", 1, Long.MAX_VALUE / 2000));
        String turnId = new Ids().newTurnId(1_000);
        messages.putIfAbsent(new StoredMessage(user, session, turnId, Role.USER, USER_TEXT, 1_000, null));

        ModelChoice model = openAi();
        assertThat(model.offline()).isFalse();
        assertThat(model.name()).isEqualTo("mock-model");
        TurnRunner runner = new TurnRunner(messages, sessions, connections, gateway, new AgentFactory(model, PROMPT),
                codec, System::currentTimeMillis, new TurnSettings(20, 0, 256, 3));

        TurnRunner.Outcome outcome = runner.run(new TurnRequest(user, session, turnId, "c-1", 1_000), 1, 60_000);

        assertThat(outcome).isEqualTo(TurnRunner.Outcome.ANSWERED);
        List<ServerEvent> events = gateway.framesTo("conn-1").stream().map(codec::readEvent).toList();
        List<ServerEvent.Delta> deltas = events.stream().filter(ServerEvent.Delta.class::isInstance)
                .map(ServerEvent.Delta.class::cast).toList();
        assertThat(String.join("", deltas.stream().map(ServerEvent.Delta::text).toList())).isEqualTo(STREAMED);
        assertThat(deltas).extracting(ServerEvent.Delta::seq)
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, deltas.size()).boxed().toList());

        StoredMessage stored = messages.all().stream().filter(m -> m.role() == Role.ASSISTANT).findFirst().orElseThrow();
        assertThat(stored.text()).isEqualTo(STREAMED);
        assertThat(stored.model()).isEqualTo("mock-model");

        assertThat(events.get(events.size() - 1)).isInstanceOfSatisfying(ServerEvent.Done.class, done -> {
            assertThat(done.usage()).isEqualTo(new ServerEvent.Usage(12, 3, 15));
            assertThat(done.model()).isEqualTo("mock-model");
            assertThat(done.offline()).isFalse();
            assertThat(done.deltas()).isEqualTo(deltas.size());
            assertThat(done.finishReason()).isEqualTo("STOP");
        });

        assertThat(requestPaths).containsExactly("POST /v1/chat/completions");
        JsonNode request = json.readTree(requestBodies.get(0));
        assertThat(request.path("stream").asBoolean(false)).isTrue();
        assertThat(request.path("model").asText()).isEqualTo("mock-model");
        JsonNode sent = request.path("messages");
        assertThat(sent.isArray()).isTrue();
        assertThat(sent.get(0).path("role").asText()).isEqualTo("system");
        assertThat(sent.get(0).path("content").asText()).isEqualTo(PROMPT);
        JsonNode last = sent.get(sent.size() - 1);
        assertThat(last.path("role").asText()).isEqualTo("user");
        assertThat(last.toString()).contains(USER_TEXT);
    }

    @Test
    void openAiWithoutAModelNameFailsNamingOpenAiModel() {
        assertThatThrownBy(() -> ChatModels.fromEnv(new Env(Map.of("MODEL_PROVIDER", "openai",
                "OPENAI_API_KEY", "test"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("OPENAI_MODEL");
    }

    @Test
    void anUnknownProviderFailsNamingModelProvider() {
        assertThatThrownBy(() -> ChatModels.fromEnv(new Env(Map.of("MODEL_PROVIDER", "gpt-please"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("MODEL_PROVIDER");
    }

    @Test
    void theDefaultIsTheOfflineModel() {
        ModelChoice choice = ChatModels.fromEnv(new Env(Map.of()));
        assertThat(choice.offline()).isTrue();
        assertThat(choice.name()).isEqualTo(OfflineChatModel.NAME);
        assertThat(choice.model()).isInstanceOf(OfflineChatModel.class);
        assertThat(requestBodies).isEmpty();
    }
}
