package dev.switchboard.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.eventstream.HeaderValue;
import software.amazon.eventstream.Message;

/**
 * A local double of the Bedrock runtime's {@code POST /model/{modelId}/converse-stream} on 127.0.0.1: it answers in
 * AWS's event-stream encoding (one binary message per event, {@code :event-type} naming it, its JSON as payload), as
 * the SDK's Bedrock runtime client reads it. The script: a last user message {@code use tool <name> <json>} is
 * answered with that tool call (its input split over two deltas, stop reason {@code tool_use}); a request that carries
 * a tool result with {@code The tool said: <result>}; the memory job's request with no memory to keep; anything else
 * with {@link #ANSWER}. Each reply ends with
 * {@code messageStop} and {@code metadata} whose usage is {@link #TOOL_CALL_USAGE} or {@link #TEXT_USAGE}.
 * Records every request body with the model id of its path.
 */
final class ScriptedBedrockServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PATH = Pattern.compile("/model/([^/]+)/converse-stream");
    private static final Pattern USE_TOOL = Pattern.compile("use tool ([A-Za-z0-9_-]+)\\s*(.*)", Pattern.DOTALL);
    static final List<String> ANSWER = List.of("Hello", " from", " Bedrock", ".");
    /** input, output, total tokens. */
    static final int[] TEXT_USAGE = {9, 4, 13};
    static final int[] TOOL_CALL_USAGE = {21, 7, 28};

    /** One request: the model id of its path (URL-decoded) and its JSON body. */
    record Request(String modelId, JsonNode body) {}

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Request> requests = new CopyOnWriteArrayList<>();

    private ScriptedBedrockServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    static ScriptedBedrockServer start() {
        try {
            return new ScriptedBedrockServer();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Matcher path = PATH.matcher(exchange.getRequestURI().getPath());
            if (!"POST".equals(exchange.getRequestMethod()) || !path.matches()) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            JsonNode body = JSON.readTree(exchange.getRequestBody());
            requests.add(new Request(java.net.URLDecoder.decode(path.group(1), StandardCharsets.UTF_8), body));
            exchange.getResponseHeaders().add("Content-Type", "application/vnd.amazon.eventstream");
            exchange.getResponseHeaders().add("x-amzn-RequestId", java.util.UUID.randomUUID().toString());
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            event(out, "messageStart", JSON.createObjectNode().put("role", "assistant"));
            String toolResult = lastToolResult(body);
            Matcher tool = USE_TOOL.matcher(lastUserText(body));
            if (toolResult == null && tool.find()) {
                String input = tool.group(2).isBlank() ? "{}" : tool.group(2).strip();
                ObjectNode start = JSON.createObjectNode().put("contentBlockIndex", 0);
                start.putObject("start").putObject("toolUse").put("toolUseId", "tooluse-" + requests.size())
                        .put("name", tool.group(1));
                event(out, "contentBlockStart", start);
                int half = input.length() / 2;
                for (String piece : List.of(input.substring(0, half), input.substring(half))) {
                    ObjectNode delta = JSON.createObjectNode().put("contentBlockIndex", 0);
                    delta.putObject("delta").putObject("toolUse").put("input", piece);
                    event(out, "contentBlockDelta", delta);
                }
                stop(out, "tool_use", TOOL_CALL_USAGE);
            } else {
                List<String> pieces = memoryExtraction(body) ? List.of("{\"operations\":[]}")
                        : toolResult == null ? ANSWER : List.of("The tool said: ", toolResult);
                for (String piece : pieces) {
                    ObjectNode delta = JSON.createObjectNode().put("contentBlockIndex", 0);
                    delta.putObject("delta").put("text", piece);
                    event(out, "contentBlockDelta", delta);
                }
                stop(out, "end_turn", TEXT_USAGE);
            }
        }
    }

    private static void stop(OutputStream out, String stopReason, int[] usage) throws IOException {
        event(out, "contentBlockStop", JSON.createObjectNode().put("contentBlockIndex", 0));
        event(out, "messageStop", JSON.createObjectNode().put("stopReason", stopReason));
        ObjectNode metadata = JSON.createObjectNode();
        metadata.putObject("usage").put("inputTokens", usage[0]).put("outputTokens", usage[1])
                .put("totalTokens", usage[2]);
        metadata.putObject("metrics").put("latencyMs", 5);
        event(out, "metadata", metadata);
    }

    private static void event(OutputStream out, String type, JsonNode payload) throws IOException {
        new Message(Map.of(":message-type", HeaderValue.fromString("event"),
                ":event-type", HeaderValue.fromString(type),
                ":content-type", HeaderValue.fromString("application/json")),
                JSON.writeValueAsBytes(payload)).encode(out);
        out.flush();
        try {
            Thread.sleep(10); // a stream, not one burst
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean memoryExtraction(JsonNode body) {
        return body.path("system").path(0).path("text").asText().startsWith(
                dev.switchboard.knowledge.MemoryExtractor.MARKER);
    }

    /** The text of the last user message that has text (a tool result is a user message without). */
    static String lastUserText(JsonNode body) {
        String last = "";
        for (JsonNode m : body.path("messages")) {
            StringBuilder text = new StringBuilder();
            m.path("content").forEach(c -> text.append(c.path("text").asText("")));
            if ("user".equals(m.path("role").asText()) && !text.isEmpty()) {
                last = text.toString();
            }
        }
        return last;
    }

    /** The text of the tool result in the last message, or null when it holds none. */
    private static String lastToolResult(JsonNode body) {
        JsonNode messages = body.path("messages");
        JsonNode last = messages.path(messages.size() - 1);
        for (JsonNode c : last.path("content")) {
            if (c.has("toolResult")) {
                StringBuilder text = new StringBuilder();
                c.path("toolResult").path("content").forEach(r -> text.append(r.path("text").asText("")));
                return text.toString();
            }
        }
        return null;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
