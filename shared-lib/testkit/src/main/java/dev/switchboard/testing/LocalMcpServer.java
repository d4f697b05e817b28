package dev.switchboard.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A minimal MCP server speaking streamable HTTP on 127.0.0.1 (one endpoint, {@code /mcp}; sessions by
 * {@code Mcp-Session-Id}; answers as {@code application/json} or as a one-event {@code text/event-stream}, as the
 * client's {@code Accept} must allow). It offers
 * {@code lookup_order} and the risky {@code wipe_records}, and records every {@code tools/call} it receives.
 */
public final class LocalMcpServer implements AutoCloseable {
    public static final String LOOKUP_ORDER = "lookup_order";
    public static final String WIPE_RECORDS = "wipe_records";
    private static final List<String> STATUSES = List.of("processing", "shipped", "delivered");

    /** How POST requests are answered: a JSON body, or an SSE stream carrying the response as one event. */
    public enum Responses { JSON, SSE }

    /** One {@code tools/call} as received. */
    public record Call(String name, JsonNode arguments) {}

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Responses responses;
    private final MiniMcp mcp;
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final List<String> methods = new CopyOnWriteArrayList<>();
    private final Set<String> sessions = ConcurrentHashMap.newKeySet();

    private LocalMcpServer(Responses responses, Duration callDelay) throws IOException {
        this.responses = responses;
        this.mcp = new MiniMcp("switchboard-local-mcp", List.of(
                new MiniMcp.Tool(LOOKUP_ORDER, "Looks up an order's shipping status by its id.",
                        MiniMcp.stringArgs("orderId", "the order id, e.g. A-1001"),
                        args -> args.path("orderId").asText("").isBlank()
                                ? MiniMcp.Result.error("orderId is required")
                                : MiniMcp.Result.ok("Order " + args.path("orderId").asText() + ": "
                                        + orderStatus(args.path("orderId").asText()))),
                new MiniMcp.Tool(WIPE_RECORDS, "Deletes every record of a table. Irreversible.",
                        MiniMcp.stringArgs("table", "the table to wipe"),
                        args -> MiniMcp.Result.ok("Wiped all records of " + args.path("table").asText("?")))),
                (name, arguments) -> {
                    calls.add(new Call(name, arguments));
                    pause(callDelay);
                });
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/mcp", this::exchange);
        server.setExecutor(executor);
        server.start();
    }

    /** Starts a server answering with JSON bodies. */
    public static LocalMcpServer start() {
        return start(Responses.JSON);
    }

    public static LocalMcpServer start(Responses responses) {
        return start(responses, Duration.ZERO);
    }

    /** @param callDelay how long each {@code tools/call} takes before it is answered (a slow tool) */
    public static LocalMcpServer start(Responses responses, Duration callDelay) {
        try {
            return new LocalMcpServer(responses, callDelay);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void pause(Duration delay) {
        if (delay.isZero()) {
            return;
        }
        try {
            Thread.sleep(delay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The status {@code lookup_order} reports for an order id: fixed per id. */
    public static String orderStatus(String orderId) {
        return STATUSES.get(Math.floorMod(orderId.chars().sum(), STATUSES.size()));
    }

    /** The MCP endpoint, {@code http://127.0.0.1:<port>/mcp}. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/mcp";
    }

    /** Every tools/call received, in order. */
    public List<Call> calls() {
        return List.copyOf(calls);
    }

    /** How many times the named tool was called. */
    public long callCount(String tool) {
        return calls.stream().filter(c -> c.name().equals(tool)).count();
    }

    /** Every JSON-RPC method received (requests and notifications), in order. */
    public List<String> methods() {
        return List.copyOf(methods);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void exchange(HttpExchange ex) throws IOException {
        try (ex) {
            switch (ex.getRequestMethod()) {
                case "POST" -> post(ex);
                case "DELETE" -> {
                    String session = ex.getRequestHeaders().getFirst("Mcp-Session-Id");
                    ex.sendResponseHeaders(session != null && sessions.remove(session) ? 200 : 404, -1);
                }
                default -> { // no server-initiated stream (GET): allowed by the spec
                    ex.getResponseHeaders().set("Allow", "POST, DELETE");
                    ex.sendResponseHeaders(405, -1);
                }
            }
        }
    }

    private void post(HttpExchange ex) throws IOException {
        String accept = String.join(",", ex.getRequestHeaders().getOrDefault("Accept", List.of()));
        if (!accept.contains("application/json") || !accept.contains("text/event-stream")) {
            send(ex, 406, "text/plain", "a client must accept application/json and text/event-stream");
            return;
        }
        JsonNode body;
        try {
            body = MiniMcp.JSON.readTree(ex.getRequestBody());
        } catch (JsonProcessingException e) {
            send(ex, 400, "application/json", "{\"jsonrpc\":\"2.0\",\"id\":null,"
                    + "\"error\":{\"code\":-32700,\"message\":\"Parse error\"}}");
            return;
        }
        List<JsonNode> messages = new ArrayList<>();
        if (body != null && body.isArray()) {
            body.forEach(messages::add);
        } else {
            messages.add(body);
        }
        boolean initialize = messages.stream()
                .anyMatch(m -> m != null && "initialize".equals(m.path("method").asText()));
        String session = ex.getRequestHeaders().getFirst("Mcp-Session-Id");
        if (initialize) {
            session = "session-" + UUID.randomUUID();
            sessions.add(session);
            ex.getResponseHeaders().set("Mcp-Session-Id", session);
        } else if (session == null) {
            send(ex, 400, "text/plain", "missing Mcp-Session-Id");
            return;
        } else if (!sessions.contains(session)) {
            send(ex, 404, "text/plain", "unknown session");
            return;
        }
        ArrayNode answers = MiniMcp.JSON.createArrayNode();
        for (JsonNode m : messages) {
            if (m != null && m.has("method")) {
                methods.add(m.path("method").asText());
            }
            ObjectNode answer = mcp.handle(m);
            if (answer != null) {
                answers.add(answer);
            }
        }
        if (answers.isEmpty()) {
            ex.sendResponseHeaders(202, -1); // notifications only
            return;
        }
        String json = body != null && body.isArray() ? answers.toString() : answers.get(0).toString();
        if (responses == Responses.SSE) {
            send(ex, 200, "text/event-stream", "event: message\ndata: " + json + "\n\n");
        } else {
            send(ex, 200, "application/json", json);
        }
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
