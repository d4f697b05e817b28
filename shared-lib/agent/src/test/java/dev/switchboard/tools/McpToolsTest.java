package dev.switchboard.tools;

import dev.switchboard.config.Setting;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.model.chat.request.json.JsonStringSchema;
import dev.switchboard.config.Env;
import dev.switchboard.testing.InMemoryNoteStore;
import dev.switchboard.testing.LocalMcpServer;
import dev.switchboard.testing.StdioMcpServerMain;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The registry with real langchain4j MCP clients: streamable HTTP against {@link LocalMcpServer}, stdio against
 * {@link StdioMcpServerMain} in a child JVM. */
class McpToolsTest {
    private final ObjectMapper json = new ObjectMapper();
    private final ToolContext ctx = new ToolContext("user-1", "s-1", "t-1");
    private LocalMcpServer server;
    private ToolRegistry registry;

    @AfterEach
    void close() {
        if (registry != null) {
            registry.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private String httpServer(String name, String url) {
        return json.createObjectNode().put("name", name).put("transport", "http").put("url", url).toString();
    }

    private String stdioServer(String name) {
        var node = json.createObjectNode().put("name", name).put("transport", "stdio");
        StdioMcpServerMain.command().forEach(node.putArray("command")::add);
        return node.toString();
    }

    private ToolRegistry fromEnv(Map<String, String> vars) {
        registry = ToolRegistry.fromEnv(new Env(vars), () -> 1_000L, new InMemoryNoteStore());
        return registry;
    }

    @ParameterizedTest
    @EnumSource(LocalMcpServer.Responses.class)
    void httpToolsAreListedAndRunThroughTheMcpClient(LocalMcpServer.Responses responses) {
        server = LocalMcpServer.start(responses);
        ToolRegistry r = fromEnv(Map.of(
                Setting.MCP_SERVERS.name(), "[" + httpServer("crm", server.url()) + "]",
                Setting.TOOLS_ALLOWED.name(), "calculate,lookup_order,wipe_records",
                Setting.TOOLS_APPROVAL.name(), "wipe_records"));

        assertThat(r.specifications()).extracting(ToolSpecification::name)
                .containsExactly("calculate", "lookup_order", "wipe_records");
        ToolSpecification lookup = r.find("lookup_order").orElseThrow().specification();
        assertThat(lookup.description()).contains("shipping status");
        assertThat(lookup.parameters().properties().get("orderId")).isInstanceOf(JsonStringSchema.class);
        assertThat(lookup.parameters().required()).containsExactly("orderId");
        assertThat(r.find("lookup_order").orElseThrow().origin()).isEqualTo("mcp:crm");
        assertThat(r.needsApproval("wipe_records")).isTrue();
        assertThat(r.needsApproval("lookup_order")).isFalse();
        assertThat(server.methods()).startsWith("initialize", "notifications/initialized", "tools/list");
        assertThat(server.calls()).isEmpty();

        String result = r.find("lookup_order").orElseThrow().execute(ctx, "{\"orderId\":\"A-1001\"}");

        assertThat(result).isEqualTo("Order A-1001: " + LocalMcpServer.orderStatus("A-1001"));
        assertThat(server.calls()).containsExactly(
                new LocalMcpServer.Call("lookup_order", json.createObjectNode().put("orderId", "A-1001")));
        assertThat(server.callCount("wipe_records")).isZero();
        assertThat(r.initMillis()).containsOnlyKeys("builtin", "mcp:crm");
        System.out.printf("MCP init over streamable HTTP (%s responses): %d ms%n", responses,
                r.initMillis().get("mcp:crm"));
    }

    @Test
    void anMcpToolsErrorResultBecomesAToolException() {
        server = LocalMcpServer.start();
        ToolRegistry r = fromEnv(Map.of(Setting.MCP_SERVERS.name(), "[" + httpServer("crm", server.url()) + "]",
                Setting.TOOLS_ALLOWED.name(), "*"));
        AgentTool lookup = r.find("lookup_order").orElseThrow();

        assertThatThrownBy(() -> lookup.execute(ctx, "{\"orderId\":\"\"}"))
                .isInstanceOf(ToolException.class).hasMessageContaining("orderId is required");
        assertThatThrownBy(() -> lookup.execute(ctx, "{not json"))
                .isInstanceOf(ToolException.class).hasMessageContaining("lookup_order failed");
        assertThat(lookup.execute(ctx, "{\"orderId\":\"B-7\"}")).startsWith("Order B-7: ");
        assertThat(server.callCount("lookup_order")).isEqualTo(2); // the malformed call never reached the server
    }

    @Test
    void starAllowsTheToolsOfEverySource() {
        server = LocalMcpServer.start();
        ToolRegistry r = fromEnv(Map.of(Setting.MCP_SERVERS.name(), "[" + httpServer("crm", server.url()) + "]",
                Setting.TOOLS_ALLOWED.name(), "*"));

        assertThat(r.specifications()).extracting(ToolSpecification::name).containsExactly(
                "current_time", "calculate", "save_note", "list_notes", "delete_note", "lookup_order", "wipe_records");
    }

    @Test
    void mcpToolsAreNotExposedUnlessAllowed() {
        server = LocalMcpServer.start();
        ToolRegistry r = fromEnv(Map.of(Setting.MCP_SERVERS.name(), "[" + httpServer("crm", server.url()) + "]"));

        assertThat(r.find("lookup_order")).isEmpty();
        assertThat(r.find("wipe_records")).isEmpty();
        assertThat(r.specifications()).extracting(ToolSpecification::name).doesNotContain("lookup_order");
        assertThat(server.methods()).contains("tools/list"); // listed at init all the same
    }

    @Test
    void twoServersOfferingOneNameFailInitNamingBoth() {
        server = LocalMcpServer.start();
        try (LocalMcpServer second = LocalMcpServer.start(LocalMcpServer.Responses.SSE)) {
            assertThatThrownBy(() -> fromEnv(Map.of(Setting.MCP_SERVERS.name(),
                    "[" + httpServer("crm", server.url()) + "," + httpServer("erp", second.url()) + "]")))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("'lookup_order' is offered twice")
                    .hasMessageContaining("mcp:crm")
                    .hasMessageContaining("mcp:erp");
        }
    }

    @Test
    void stdioToolsRunInAChildProcessThatEndsWithTheRegistry() {
        Set<ProcessHandle> before = children();
        ToolRegistry r = fromEnv(Map.of(Setting.MCP_SERVERS.name(), "[" + stdioServer("text") + "]",
                Setting.TOOLS_ALLOWED.name(), "word_count,current_time"));
        Set<ProcessHandle> started = new HashSet<>(children());
        started.removeAll(before);
        assertThat(started).hasSize(1);

        assertThat(r.specifications()).extracting(ToolSpecification::name).containsExactly("current_time",
                "word_count");
        AgentTool wordCount = r.find("word_count").orElseThrow();
        assertThat(wordCount.origin()).isEqualTo("mcp:text");
        assertThat(wordCount.specification().parameters().required()).containsExactly("text");
        assertThat(wordCount.execute(ctx, "{\"text\":\"the quick  brown fox\"}")).isEqualTo("4 words");
        assertThat(wordCount.execute(ctx, "{\"text\":\"\u00e9t\u00e9 \uD83D\uDE00\"}")).isEqualTo("2 words");
        assertThat(r.initMillis()).containsOnlyKeys("builtin", "mcp:text");
        System.out.printf("MCP init over stdio (child JVM): %d ms%n", r.initMillis().get("mcp:text"));

        r.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> started.stream().noneMatch(ProcessHandle::isAlive));
    }

    @Test
    void aFailedInitEndsTheStdioServersAlreadyStarted() {
        Set<ProcessHandle> before = children();
        assertThatThrownBy(() -> fromEnv(Map.of(Setting.MCP_SERVERS.name(), "[" + stdioServer("text") + "]",
                Setting.TOOLS_ALLOWED.name(), "word_count,send_email")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("send_email");
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            Set<ProcessHandle> left = children();
            left.removeAll(before);
            return left.isEmpty();
        });
    }

    /** The live child processes of this JVM (the stdio servers the test started, among others). */
    private static Set<ProcessHandle> children() {
        return ProcessHandle.current().children().filter(ProcessHandle::isAlive)
                .collect(Collectors.toCollection(HashSet::new));
    }
}
