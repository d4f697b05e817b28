package dev.switchboard.tools;

import dev.switchboard.config.Setting;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.switchboard.config.Env;
import dev.switchboard.testing.InMemoryNoteStore;
import dev.switchboard.testing.LocalMcpServer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Allow-list, approval flags and init errors; MCP over streamable HTTP is in {@link McpToolsTest}. */
class ToolRegistryTest {
    private static final List<String> BUILTINS =
            List.of("current_time", "calculate", "save_note", "list_notes", "delete_note");
    private final ObjectMapper json = new ObjectMapper();
    private final InMemoryNoteStore notes = new InMemoryNoteStore();
    private final ToolContext ctx = new ToolContext("user-1", "s-1", "t-1");
    private ToolRegistry registry;

    @AfterEach
    void close() {
        if (registry != null) {
            registry.close();
        }
    }

    private ToolRegistry fromEnv(Map<String, String> vars) {
        registry = ToolRegistry.fromEnv(new Env(vars), () -> 1_000L, notes);
        return registry;
    }

    private static List<String> names(ToolRegistry r) {
        return r.specifications().stream().map(ToolSpecification::name).toList();
    }

    /** A stand-in for a tool of another source. */
    private static AgentTool fake(String name, String origin) {
        ToolSpecification spec = ToolSpecification.builder().name(name).description("fake " + name).build();
        return new AgentTool() {
            @Override
            public ToolSpecification specification() {
                return spec;
            }

            @Override
            public String execute(ToolContext context, String argumentsJson) {
                return name + " ran for " + context.userId();
            }

            @Override
            public String origin() {
                return origin;
            }
        };
    }

    @Test
    void byDefaultEveryBuiltinToolIsAllowedAndNoneNeedsApproval() throws Exception {
        ToolRegistry r = fromEnv(Map.of());

        assertThat(names(r)).containsExactlyElementsOf(BUILTINS);
        for (String name : BUILTINS) {
            assertThat(r.find(name)).as(name).hasValueSatisfying(t -> assertThat(t.origin()).isEqualTo("builtin"));
            assertThat(r.needsApproval(name)).as(name).isFalse();
        }
        assertThat(json.readTree(r.find("calculate").orElseThrow().execute(ctx, "{\"expression\":\"6*7\"}"))
                .path("result").asText()).isEqualTo("42");
        assertThat(r.initMillis()).containsOnlyKeys("builtin");
        assertThat(r.find("lookup_order")).isEmpty();
        assertThat(r.find(null)).isEmpty();
    }

    @Test
    void onlyAllowedToolsAreExposed() {
        ToolRegistry r = fromEnv(Map.of(Setting.TOOLS_ALLOWED.name(), " calculate , current_time,"));

        assertThat(names(r)).containsExactly("current_time", "calculate");
        assertThat(r.find("calculate")).isPresent();
        assertThat(r.find("save_note")).isEmpty();
        assertThat(r.find("list_notes")).isEmpty();
    }

    @Test
    void starAllowsEveryToolAndNoneAllowsNoTool() {
        assertThat(names(fromEnv(Map.of(Setting.TOOLS_ALLOWED.name(), "*")))).containsExactlyElementsOf(BUILTINS);
        registry.close();

        ToolRegistry none = fromEnv(Map.of(Setting.TOOLS_ALLOWED.name(), "none"));
        assertThat(none.specifications()).isEmpty();
        assertThat(none.find("calculate")).isEmpty();
    }

    @Test
    void approvalIsPerToolName() {
        ToolRegistry r = fromEnv(Map.of(Setting.TOOLS_APPROVAL.name(), "delete_note,save_note"));

        assertThat(r.needsApproval("delete_note")).isTrue();
        assertThat(r.needsApproval("save_note")).isTrue();
        assertThat(r.needsApproval("list_notes")).isFalse();
        assertThat(r.needsApproval("calculate")).isFalse();
        registry.close();

        ToolRegistry all = fromEnv(Map.of(Setting.TOOLS_APPROVAL.name(), "*"));
        assertThat(BUILTINS).allSatisfy(name -> assertThat(all.needsApproval(name)).as(name).isTrue());
    }

    @Test
    void anAllowedNameNoSourceOffersFailsInit() {
        assertThatThrownBy(() -> fromEnv(Map.of(Setting.TOOLS_ALLOWED.name(), "calculate,send_email")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("TOOLS_ALLOWED")
                .hasMessageContaining("names [send_email], which no tool source offers");
    }

    @Test
    void anApprovalNameNoSourceOffersFailsInit() {
        assertThatThrownBy(() -> fromEnv(Map.of(Setting.TOOLS_APPROVAL.name(), "wipe_records")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("TOOLS_APPROVAL")
                .hasMessageContaining("wipe_records");
    }

    @Test
    void aNameOfferedTwiceFailsNamingBothSources() {
        List<AgentTool> offered = List.of(fake("lookup", "mcp:crm"), fake("calculate", "builtin"),
                fake("lookup", "mcp:erp"));
        assertThatThrownBy(() -> new ToolRegistry(offered, Set.of("calculate"), Set.of()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'lookup'")
                .hasMessageContaining("mcp:crm")
                .hasMessageContaining("mcp:erp");
    }

    @Test
    void theDirectConstructorFiltersAndFlags() {
        ToolRegistry r = new ToolRegistry(List.of(fake("a", "mcp:x"), fake("b", "mcp:x"), fake("c", "mcp:y")),
                Set.of("a", "c"), Set.of("c"));

        assertThat(names(r)).containsExactly("a", "c");
        assertThat(r.find("a").orElseThrow().execute(ctx, "{}")).isEqualTo("a ran for user-1");
        assertThat(r.find("b")).isEmpty();
        assertThat(r.needsApproval("c")).isTrue();
        assertThat(r.needsApproval("a")).isFalse();
        assertThat(r.initMillis()).isEmpty();
    }

    @Test
    void anAllowedToolWhoseNameModelsRefuseFailsInit() {
        List<AgentTool> offered = List.of(fake("files.read", "mcp:files"));
        assertThatThrownBy(() -> new ToolRegistry(offered, Set.of("*"), Set.of()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("files.read")
                .hasMessageContaining("mcp:files");
        assertThat(new ToolRegistry(offered, Set.of(), Set.of()).specifications()).isEmpty();
    }

    @Test
    void malformedMcpServersFailInitWithAClearMessage() {
        Map<String, String> cases = new HashMap<>();
        cases.put("not json", "is not valid JSON");
        cases.put("{\"name\":\"crm\"}", "must be a JSON array");
        cases.put("[42]", "[0] must be an object");
        cases.put("[{\"transport\":\"http\",\"url\":\"http://h/mcp\"}]", "name must be");
        cases.put("[{\"name\":\"crm\",\"transport\":\"sse\",\"url\":\"http://h/mcp\"}]",
                "[0] (crm): transport must be http or stdio, got 'sse'");
        cases.put("[{\"name\":\"crm\",\"transport\":\"http\"}]", "needs a url");
        cases.put("[{\"name\":\"crm\",\"transport\":\"http\",\"url\":\"ftp://h/mcp\"}]", "needs a url");
        cases.put("[{\"name\":\"f\",\"transport\":\"stdio\",\"command\":\"node server.js\"}]", "needs a command");
        cases.put("[{\"name\":\"f\",\"transport\":\"stdio\",\"command\":[]}]", "needs a command");
        cases.put("[{\"name\":\"f\",\"transport\":\"stdio\",\"comand\":[\"node\"]}]", "unknown field 'comand'");
        cases.put("[{\"name\":\"a\",\"transport\":\"http\",\"url\":\"http://h/1\"},"
                + "{\"name\":\"a\",\"transport\":\"http\",\"url\":\"http://h/2\"}]", "'a' is used twice");
        cases.forEach((value, message) -> assertThatThrownBy(() -> fromEnv(Map.of(Setting.MCP_SERVERS.name(), value)))
                .as(value)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("MCP_SERVERS")
                .hasMessageContaining(message));
    }

    @Test
    void mcpServersParseBothTransports() {
        assertThat(McpServerConfig.parseAll("[{\"name\":\"files\",\"transport\":\"stdio\",\"command\":[\"node\","
                + "\"server.js\"]},{\"name\":\"crm\",\"transport\":\"http\",\"url\":\"http://127.0.0.1:9000/mcp\"}]"))
                .containsExactly(McpServerConfig.stdio("files", List.of("node", "server.js")),
                        McpServerConfig.http("crm", "http://127.0.0.1:9000/mcp"));
        assertThat(McpServerConfig.parseAll("[]")).isEmpty();
    }

    @Test
    void anUnreachableMcpServerFailsInitNamingIt() {
        LocalMcpServer gone = LocalMcpServer.start();
        String url = gone.url();
        gone.close(); // nothing listens there any more

        long start = System.nanoTime();
        assertThatThrownBy(() -> fromEnv(Map.of(Setting.MCP_SERVERS.name(),
                "[{\"name\":\"crm\",\"transport\":\"http\",\"url\":\"" + url + "\"}]")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("MCP server 'crm'")
                .hasMessageContaining(url);
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(ToolRegistry.MCP_INIT_TIMEOUT.toMillis());
    }

    @Test
    void aStdioServerThatCannotStartFailsInitNamingIt() {
        assertThatThrownBy(() -> fromEnv(Map.of(Setting.MCP_SERVERS.name(),
                "[{\"name\":\"files\",\"transport\":\"stdio\",\"command\":[\"/nonexistent/mcp-server\"]}]")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("MCP server 'files'")
                .hasMessageContaining("/nonexistent/mcp-server");
    }
}
