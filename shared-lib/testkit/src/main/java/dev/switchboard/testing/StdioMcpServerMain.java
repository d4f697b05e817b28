package dev.switchboard.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A minimal MCP server over stdio (one JSON-RPC message per line on stdin and stdout; nothing else is written to
 * stdout) offering {@code word_count}. It exits when stdin closes. Start it with {@link #command()}.
 */
public final class StdioMcpServerMain {
    public static final String WORD_COUNT = "word_count";

    private StdioMcpServerMain() {}

    /** The command that starts this server in a new JVM with the current classpath. */
    public static List<String> command() {
        String java = ProcessHandle.current().info().command().orElse("java");
        return List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx64m",
                "-cp", System.getProperty("java.class.path"), StdioMcpServerMain.class.getName());
    }

    /** What {@code word_count} answers for a text. */
    public static String wordCount(String text) {
        String trimmed = text.strip();
        int words = trimmed.isEmpty() ? 0 : trimmed.split("\\s+").length;
        return words + (words == 1 ? " word" : " words");
    }

    public static void main(String[] args) throws IOException {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        System.setOut(System.err); // anything else that prints goes to stderr, never into the protocol
        MiniMcp mcp = new MiniMcp("switchboard-stdio-mcp", List.of(
                new MiniMcp.Tool(WORD_COUNT, "Counts the words of a text.", MiniMcp.stringArgs("text", "the text"),
                        a -> MiniMcp.Result.ok(wordCount(a.path("text").asText(""))))),
                (name, arguments) -> System.err.println("tools/call " + name));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode message;
            try {
                message = MiniMcp.JSON.readTree(line);
            } catch (JsonProcessingException e) {
                out.println("{\"jsonrpc\":\"2.0\",\"id\":null,"
                        + "\"error\":{\"code\":-32700,\"message\":\"Parse error\"}}");
                continue;
            }
            ObjectNode answer = mcp.handle(message);
            if (answer != null) {
                out.println(answer.toString());
            }
        }
    }
}
