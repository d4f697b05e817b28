package dev.switchboard.tools;

import dev.switchboard.config.Setting;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One entry of {@code MCP_SERVERS}: an MCP server reached over streamable HTTP ({@code url}) or started as a child
 * process speaking stdio ({@code command}).
 */
public record McpServerConfig(String name, Transport transport, String url, List<String> command) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,32}");
    private static final Set<String> FIELDS = Set.of("name", "transport", "url", "command");

    /** How the server is reached. */
    public enum Transport { HTTP, STDIO }

    public McpServerConfig {
        command = command == null ? List.of() : List.copyOf(command);
    }

    public static McpServerConfig http(String name, String url) {
        return new McpServerConfig(name, Transport.HTTP, url, List.of());
    }

    public static McpServerConfig stdio(String name, List<String> command) {
        return new McpServerConfig(name, Transport.STDIO, null, command);
    }

    /** {@code mcp:<name>}, the origin of this server's tools. */
    public String origin() {
        return "mcp:" + name;
    }

    /** Where the server is, for messages: its URL or its program (never the program's arguments). */
    public String describe() {
        return transport == Transport.HTTP ? "http " + url : "stdio " + command.get(0);
    }

    /**
     * Parses the value of {@code MCP_SERVERS}: a JSON array of objects {@code {"name", "transport": "http"|"stdio",
     * "url" (http), "command": [program, args...] (stdio)}}.
     *
     * @throws IllegalStateException naming MCP_SERVERS, the entry and the problem
     */
    public static List<McpServerConfig> parseAll(String json) {
        JsonNode root;
        try {
            root = ToolArguments.JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw invalid("is not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (root == null || !root.isArray()) {
            throw invalid("must be a JSON array of servers, e.g. [{\"name\":\"crm\",\"transport\":\"http\","
                    + "\"url\":\"http://127.0.0.1:9000/mcp\"}]");
        }
        List<McpServerConfig> servers = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < root.size(); i++) {
            McpServerConfig server = parse(root.get(i), "[" + i + "]");
            if (!names.add(server.name())) {
                throw invalid("[" + i + "]: the name '" + server.name() + "' is used twice");
            }
            servers.add(server);
        }
        return List.copyOf(servers);
    }

    private static McpServerConfig parse(JsonNode node, String at) {
        if (!node.isObject()) {
            throw invalid(at + " must be an object");
        }
        node.fieldNames().forEachRemaining(field -> {
            if (!FIELDS.contains(field)) {
                throw invalid(at + ": unknown field '" + field + "' (fields: name, transport, url, command)");
            }
        });
        String name = node.path("name").asText("");
        if (!NAME.matcher(name).matches()) {
            throw invalid(at + ": name must be 1-32 letters, digits, '_' or '-', got '" + name + "'");
        }
        String where = at + " (" + name + ")";
        String transport = node.path("transport").asText("");
        return switch (transport.toLowerCase(Locale.ROOT)) {
            case "http" -> {
                String url = node.path("url").asText("");
                if (!isHttpUrl(url)) {
                    throw invalid(where + ": transport http needs a url starting with http:// or https://, got '"
                            + url + "'");
                }
                if (node.has("command")) {
                    throw invalid(where + ": transport http takes a url, not a command");
                }
                yield http(name, url);
            }
            case "stdio" -> {
                JsonNode command = node.path("command");
                if (!command.isArray() || command.isEmpty()) {
                    throw invalid(where + ": transport stdio needs a command: a non-empty array of strings");
                }
                List<String> parts = new ArrayList<>();
                for (JsonNode part : command) {
                    if (!part.isTextual() || part.asText().isEmpty()) {
                        throw invalid(where + ": every part of command must be a non-empty string");
                    }
                    parts.add(part.asText());
                }
                if (node.has("url")) {
                    throw invalid(where + ": transport stdio takes a command, not a url");
                }
                yield stdio(name, parts);
            }
            default -> throw invalid(where + ": transport must be http or stdio, got '" + transport + "'");
        };
    }

    private static boolean isHttpUrl(String url) {
        try {
            URI uri = new URI(url);
            return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null;
        } catch (Exception e) {
            return false;
        }
    }

    private static IllegalStateException invalid(String problem) {
        return new IllegalStateException("Environment variable " + Setting.MCP_SERVERS.name() + " " + problem);
    }
}
