package dev.switchboard.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The JSON-RPC 2.0 side of a minimal MCP server, shared by {@link LocalMcpServer} (streamable HTTP) and
 * {@link StdioMcpServerMain} (stdio): initialize, notifications, ping, tools/list and tools/call.
 */
final class MiniMcp {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String DEFAULT_PROTOCOL = "2025-06-18";
    private static final Set<String> PROTOCOLS = Set.of("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25");

    /** A tool's answer: text content, flagged as an error result or not. */
    record Result(String text, boolean error) {
        static Result ok(String text) {
            return new Result(text, false);
        }

        static Result error(String text) {
            return new Result(text, true);
        }
    }

    /** One tool: its name, description, JSON schema of the arguments and what it does with them. */
    record Tool(String name, String description, ObjectNode inputSchema, Function<JsonNode, Result> run) {}

    private final String serverName;
    private final Map<String, Tool> tools = new LinkedHashMap<>();
    private final BiConsumer<String, JsonNode> onCall;

    MiniMcp(String serverName, List<Tool> tools, BiConsumer<String, JsonNode> onCall) {
        this.serverName = serverName;
        tools.forEach(t -> this.tools.put(t.name(), t));
        this.onCall = onCall;
    }

    /** A schema with string properties, all required. */
    static ObjectNode stringArgs(String... namesAndDescriptions) {
        ObjectNode schema = JSON.createObjectNode().put("type", "object");
        ObjectNode props = schema.putObject("properties");
        var required = schema.putArray("required");
        for (int i = 0; i < namesAndDescriptions.length; i += 2) {
            props.putObject(namesAndDescriptions[i]).put("type", "string")
                    .put("description", namesAndDescriptions[i + 1]);
            required.add(namesAndDescriptions[i]);
        }
        return schema;
    }

    /** The response to one message; null for a notification (or a response the client sent). */
    ObjectNode handle(JsonNode message) {
        if (message == null || !message.isObject()) {
            return error(null, -32600, "Invalid Request");
        }
        JsonNode id = message.get("id");
        String method = message.path("method").asText(null);
        if (method == null) {
            return id == null ? null : error(id, -32600, "Invalid Request"); // a response to us: nothing to say
        }
        if (id == null || id.isNull()) {
            return null; // notifications/initialized, notifications/cancelled, ...
        }
        JsonNode params = message.path("params");
        return switch (method) {
            case "initialize" -> {
                String asked = params.path("protocolVersion").asText(DEFAULT_PROTOCOL);
                ObjectNode result = JSON.createObjectNode()
                        .put("protocolVersion", PROTOCOLS.contains(asked) ? asked : DEFAULT_PROTOCOL);
                result.putObject("capabilities").putObject("tools").put("listChanged", false);
                result.putObject("serverInfo").put("name", serverName).put("version", "1.0.0");
                yield ok(id, result);
            }
            case "ping" -> ok(id, JSON.createObjectNode());
            case "tools/list" -> {
                ObjectNode result = JSON.createObjectNode();
                var list = result.putArray("tools");
                for (Tool t : tools.values()) {
                    list.addObject().put("name", t.name()).put("description", t.description())
                            .set("inputSchema", t.inputSchema());
                }
                yield ok(id, result);
            }
            case "tools/call" -> {
                String name = params.path("name").asText("");
                Tool tool = tools.get(name);
                if (tool == null) {
                    yield error(id, -32602, "Unknown tool: " + name);
                }
                JsonNode arguments = params.path("arguments").isObject()
                        ? params.get("arguments") : JSON.createObjectNode();
                onCall.accept(name, arguments);
                Result r = tool.run().apply(arguments);
                ObjectNode result = JSON.createObjectNode();
                result.putArray("content").addObject().put("type", "text").put("text", r.text());
                result.put("isError", r.error());
                yield ok(id, result);
            }
            default -> error(id, -32601, "Method not found: " + method);
        };
    }

    private static ObjectNode ok(JsonNode id, ObjectNode result) {
        ObjectNode r = JSON.createObjectNode().put("jsonrpc", "2.0");
        r.set("id", id);
        r.set("result", result);
        return r;
    }

    private static ObjectNode error(JsonNode id, int code, String message) {
        ObjectNode r = JSON.createObjectNode().put("jsonrpc", "2.0");
        r.set("id", id == null ? JSON.nullNode() : id);
        r.putObject("error").put("code", code).put("message", message);
        return r;
    }
}
