package dev.switchboard.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An OpenAI-compatible {@code /v1/chat/completions} endpoint on 127.0.0.1 whose answers come from a {@link Script}:
 * text in pieces or tool calls, streamed as OpenAI streams them ({@code stream: true}: SSE chunks, a tool call's
 * arguments split across chunks, usage in the last chunk) or as one JSON body. Records every request body.
 */
public final class ScriptedOpenAiServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern USE_TOOL = Pattern.compile("use tool ([A-Za-z0-9_-]+)\\s*(.*)", Pattern.DOTALL);
    private static final int ARGUMENT_CHUNK_CHARS = 5;

    /** Decides the reply to one request body (the parsed JSON the client posted). */
    @FunctionalInterface
    public interface Script {
        Reply reply(JsonNode requestBody);
    }

    /** Token counts reported in the last chunk (or the body). */
    public record Usage(int promptTokens, int completionTokens) {}

    /** One function call the model asks for. */
    public record ToolCall(String id, String name, String argumentsJson) {}

    /** What the scripted model answers. */
    public sealed interface Reply {
        /** Text streamed piece by piece; finish reason {@code stop}. */
        record Text(List<String> pieces, Usage usage) implements Reply {
            public Text {
                pieces = List.copyOf(pieces);
            }
        }

        /** Text streamed piece by piece (none: no text), then one or more tool calls; finish reason {@code tool_calls}. */
        record ToolCalls(List<String> pieces, List<ToolCall> calls, Usage usage) implements Reply {
            public ToolCalls {
                pieces = List.copyOf(pieces);
                calls = List.copyOf(calls);
            }

            public ToolCalls(List<ToolCall> calls, Usage usage) {
                this(List.of(), calls, usage);
            }
        }

        /** An HTTP error with OpenAI's error body. */
        record Failure(int status, String message) implements Reply {}

        /**
         * Streams {@code pieces}, then holds the stream open without finishing for {@code hold} (a model or network
         * that stops mid-answer: the worker gives up at its deadline).
         */
        record Stall(List<String> pieces, Duration hold) implements Reply {
            public Stall {
                pieces = List.copyOf(pieces);
            }
        }

        static Text text(String... pieces) {
            return new Text(Arrays.asList(pieces), new Usage(10, pieces.length));
        }

        static ToolCalls toolCall(String id, String name, String argumentsJson) {
            return new ToolCalls(List.of(new ToolCall(id, name, argumentsJson)), new Usage(10, 5));
        }

        static ToolCalls toolCalls(ToolCall... calls) {
            return new ToolCalls(Arrays.asList(calls), new Usage(10, 5 * calls.length));
        }

        static Failure failure(int status, String message) {
            return new Failure(status, message);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Script script;
    private final Duration pieceDelay;
    private final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final AtomicInteger abortedStreams = new AtomicInteger();

    private ScriptedOpenAiServer(Script script, Duration pieceDelay) throws IOException {
        this.script = script;
        this.pieceDelay = pieceDelay;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::exchange);
        server.setExecutor(executor);
        server.start();
    }

    /** A server running {@link #defaultScript()} without delays. */
    public static ScriptedOpenAiServer start() {
        return start(defaultScript(), Duration.ZERO);
    }

    public static ScriptedOpenAiServer start(Script script) {
        return start(script, Duration.ZERO);
    }

    /** @param pieceDelay pause before each streamed chunk after the first (to test streaming and cancellation) */
    public static ScriptedOpenAiServer start(Script script, Duration pieceDelay) {
        try {
            return new ScriptedOpenAiServer(script, pieceDelay);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * After tool results (the last message has role {@code tool}): text {@code Tool said: <result>} (results of
     * several calls joined by {@code "; "}). Else, when the last user message contains {@code use tool <name> <json
     * arguments>}: a call of that tool with those arguments ({@code {}} when none). Else: text {@code Echo: <last user
     * message>}.
     */
    public static Script defaultScript() {
        return body -> {
            JsonNode messages = body.path("messages");
            List<String> toolResults = new ArrayList<>();
            for (int i = messages.size() - 1; i >= 0 && "tool".equals(messages.get(i).path("role").asText()); i--) {
                toolResults.add(0, text(messages.get(i).path("content")));
            }
            if (!toolResults.isEmpty()) {
                return Reply.text(pieces("Tool said: " + String.join("; ", toolResults)));
            }
            String user = "";
            for (JsonNode m : messages) {
                if ("user".equals(m.path("role").asText())) {
                    user = text(m.path("content"));
                }
            }
            Matcher use = USE_TOOL.matcher(user);
            if (use.find()) {
                String args = use.group(2).strip();
                return Reply.toolCall("call_" + messages.size(), use.group(1), args.isEmpty() ? "{}" : args);
            }
            return Reply.text(pieces("Echo: " + user));
        };
    }

    /** Splits a text after each space, so it streams word by word. */
    public static String[] pieces(String text) {
        return text.split("(?<= )");
    }

    /** A message's content: a string, or the text parts of an array of content parts. */
    private static String text(JsonNode content) {
        if (content.isArray()) {
            StringBuilder sb = new StringBuilder();
            content.forEach(part -> sb.append(part.path("text").asText("")));
            return sb.toString();
        }
        return content.asText("");
    }

    /** The base URL to give an OpenAI client: {@code http://127.0.0.1:<port>/v1}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    /** Every request body received on the completions path, in order. */
    public List<JsonNode> requests() {
        return List.copyOf(requests);
    }

    /** The Authorization header of every request on the completions path, in order ("" when there was none). */
    public List<String> authorizations() {
        return List.copyOf(authorizations);
    }

    /** Streams the client stopped reading before their end (a cancelled turn, say). */
    public int abortedStreams() {
        return abortedStreams.get();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void exchange(HttpExchange ex) throws IOException {
        try (ex) {
            if (!"POST".equals(ex.getRequestMethod()) || !"/v1/chat/completions".equals(ex.getRequestURI().getPath())) {
                ex.sendResponseHeaders(404, -1);
                return;
            }
            JsonNode body = JSON.readTree(ex.getRequestBody());
            requests.add(body);
            String authorization = ex.getRequestHeaders().getFirst("Authorization");
            authorizations.add(authorization == null ? "" : authorization);
            Reply reply = script.reply(body);
            String model = body.path("model").asText("scripted-model");
            if (reply instanceof Reply.Failure f) {
                ObjectNode error = JSON.createObjectNode();
                error.putObject("error").put("message", f.message()).put("type", "server_error");
                send(ex, f.status(), "application/json", error.toString());
            } else if (body.path("stream").asBoolean(false)) {
                stream(ex, model, reply);
            } else {
                send(ex, 200, "application/json", completion(model, reply).toString());
            }
        }
    }

    private void stream(HttpExchange ex, String model, Reply reply) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        try {
            Usage usage;
            String finish;
            if (reply instanceof Reply.Stall stall) {
                streamText(out, model, stall.pieces());
                Thread.sleep(stall.hold());
                out.close();
                return;
            }
            if (reply instanceof Reply.Text t) {
                streamText(out, model, t.pieces());
                usage = t.usage();
                finish = "stop";
            } else {
                Reply.ToolCalls calls = (Reply.ToolCalls) reply;
                if (!calls.pieces().isEmpty()) {
                    streamText(out, model, calls.pieces());
                }
                for (int i = 0; i < calls.calls().size(); i++) {
                    ToolCall call = calls.calls().get(i);
                    ObjectNode first = JSON.createObjectNode().put("role", "assistant").putNull("content");
                    ObjectNode head = first.putArray("tool_calls").addObject()
                            .put("index", i).put("id", call.id()).put("type", "function");
                    head.putObject("function").put("name", call.name()).put("arguments", "");
                    write(out, chunk(model, first, null));
                    String args = call.argumentsJson();
                    for (int at = 0; at < args.length(); at += ARGUMENT_CHUNK_CHARS) {
                        pause();
                        ObjectNode delta = JSON.createObjectNode();
                        String part = args.substring(at, Math.min(args.length(), at + ARGUMENT_CHUNK_CHARS));
                        delta.putArray("tool_calls").addObject().put("index", i).putObject("function")
                                .put("arguments", part);
                        write(out, chunk(model, delta, null));
                    }
                }
                usage = calls.usage();
                finish = "tool_calls";
            }
            pause();
            write(out, chunk(model, JSON.createObjectNode(), finish));
            ObjectNode last = envelope(model, "chat.completion.chunk");
            last.putArray("choices");
            last.set("usage", usage(usage));
            write(out, last.toString());
            write(out, "[DONE]");
            out.close();
        } catch (IOException e) {
            abortedStreams.incrementAndGet(); // the client went away mid-stream
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The assistant's role chunk, then each piece of text in a chunk of its own (after the piece delay). */
    private void streamText(OutputStream out, String model, List<String> pieces)
            throws IOException, InterruptedException {
        write(out, chunk(model, JSON.createObjectNode().put("role", "assistant").put("content", ""), null));
        for (String piece : pieces) {
            pause();
            write(out, chunk(model, JSON.createObjectNode().put("content", piece), null));
        }
    }

    private void pause() throws InterruptedException {
        if (!pieceDelay.isZero()) {
            Thread.sleep(pieceDelay);
        }
    }

    private ObjectNode completion(String model, Reply reply) {
        ObjectNode root = envelope(model, "chat.completion");
        ObjectNode choice = root.putArray("choices").addObject().put("index", 0);
        ObjectNode message = choice.putObject("message").put("role", "assistant");
        if (reply instanceof Reply.Text t) {
            message.put("content", String.join("", t.pieces()));
            choice.put("finish_reason", "stop");
            root.set("usage", usage(t.usage()));
        } else {
            Reply.ToolCalls calls = (Reply.ToolCalls) reply;
            if (calls.pieces().isEmpty()) {
                message.putNull("content");
            } else {
                message.put("content", String.join("", calls.pieces()));
            }
            ArrayNode list = message.putArray("tool_calls");
            for (ToolCall call : calls.calls()) {
                list.addObject().put("id", call.id()).put("type", "function").putObject("function")
                        .put("name", call.name()).put("arguments", call.argumentsJson());
            }
            choice.put("finish_reason", "tool_calls");
            root.set("usage", usage(calls.usage()));
        }
        return root;
    }

    private static ObjectNode envelope(String model, String object) {
        return JSON.createObjectNode()
                .put("id", "chatcmpl-scripted")
                .put("object", object)
                .put("created", 1_700_000_000)
                .put("model", model);
    }

    private static String chunk(String model, ObjectNode delta, String finishReason) {
        ObjectNode root = envelope(model, "chat.completion.chunk");
        ObjectNode choice = root.putArray("choices").addObject().put("index", 0);
        choice.set("delta", delta);
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        return root.toString();
    }

    private static ObjectNode usage(Usage usage) {
        return JSON.createObjectNode()
                .put("prompt_tokens", usage.promptTokens())
                .put("completion_tokens", usage.completionTokens())
                .put("total_tokens", usage.promptTokens() + usage.completionTokens());
    }

    private static void write(OutputStream out, String data) throws IOException {
        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void send(HttpExchange ex, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
