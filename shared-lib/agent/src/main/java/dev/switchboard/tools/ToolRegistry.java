package dev.switchboard.tools;

import dev.switchboard.config.Setting;
import dev.switchboard.port.NoteStore;

import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.mcp.client.DefaultMcpClient;
import dev.langchain4j.mcp.client.McpClient;
import dev.langchain4j.mcp.client.transport.McpTransport;
import dev.langchain4j.mcp.client.transport.http.StreamableHttpMcpTransport;
import dev.langchain4j.mcp.client.transport.stdio.StdioMcpTransport;
import dev.switchboard.config.Env;
import dev.switchboard.port.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tools the agent may call (global tier: built once per execution environment, shared by every turn): the
 * built-in tools and those of the MCP servers in {@code MCP_SERVERS}, filtered by {@code TOOLS_ALLOWED}. Closing it
 * closes the MCP clients (and stops stdio servers).
 */
public final class ToolRegistry implements ToolSet, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ToolRegistry.class);
    /** TOOLS_ALLOWED when unset: the built-in tools. */
    public static final String DEFAULT_ALLOWED = Setting.TOOLS_ALLOWED.defaultValue();
    /** In TOOLS_ALLOWED or TOOLS_APPROVAL: every tool of every source. */
    public static final String ALL = "*";
    /** TOOLS_ALLOWED=none: no tool at all. */
    public static final String NONE = "none";
    static final Duration MCP_INIT_TIMEOUT = Duration.ofSeconds(10);
    /** The longest an MCP tool call may take (the built-in tools take far less). */
    public static final Duration MCP_CALL_TIMEOUT = Duration.ofSeconds(30);
    /** The tool names OpenAI-compatible APIs accept. */
    private static final Pattern TOOL_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private final Map<String, AgentTool> allowed;
    private final List<ToolSpecification> specifications;
    private final Set<String> approval;
    private final boolean approveAll;
    private final Map<String, Long> initMillis;
    private final List<McpClient> clients;

    /**
     * A registry over tools built elsewhere (tests, or a composition root with its own sources).
     *
     * @param offered every tool of every source; a name offered twice fails
     * @param allowedNames tool names to expose, or {@link #ALL}; each must be offered
     * @param approvalNames tool names that need the user's approval, or {@link #ALL}; each must be offered
     * @throws IllegalStateException on a duplicate name or a name no source offers
     */
    public ToolRegistry(List<AgentTool> offered, Set<String> allowedNames, Set<String> approvalNames) {
        this(offered, allowedNames, approvalNames, Map.of(), List.of());
    }

    private ToolRegistry(List<AgentTool> offered, Set<String> allowedNames, Set<String> approvalNames,
            Map<String, Long> initMillis, List<McpClient> clients) {
        Map<String, AgentTool> byName = new LinkedHashMap<>();
        for (AgentTool tool : offered) {
            AgentTool other = byName.putIfAbsent(tool.name(), tool);
            if (other != null) {
                throw new IllegalStateException("Tool '" + tool.name() + "' is offered twice: by " + other.origin()
                        + " and by " + tool.origin() + "; tool names must be unique across sources");
            }
        }
        boolean allowAll = allowedNames.contains(ALL);
        requireOffered(Setting.TOOLS_ALLOWED.name(), allowedNames, byName);
        requireOffered(Setting.TOOLS_APPROVAL.name(), approvalNames, byName);
        Map<String, AgentTool> exposed = new LinkedHashMap<>();
        byName.forEach((name, tool) -> {
            if (allowAll || allowedNames.contains(name)) {
                if (!TOOL_NAME.matcher(name).matches()) {
                    throw new IllegalStateException("Tool '" + name + "' of " + tool.origin() + " cannot be offered to"
                            + " the model: names must be 1-64 letters, digits, '_' or '-'; leave it out of "
                            + Setting.TOOLS_ALLOWED.name());
                }
                exposed.put(name, tool);
            }
        });
        this.allowed = Map.copyOf(exposed);
        this.specifications = exposed.values().stream().map(AgentTool::specification).toList();
        this.approveAll = approvalNames.contains(ALL);
        this.approval = Set.copyOf(approvalNames);
        this.initMillis = Collections.unmodifiableMap(new LinkedHashMap<>(initMillis));
        this.clients = List.copyOf(clients);
    }

    private static void requireOffered(String variable, Set<String> names, Map<String, AgentTool> offered) {
        Set<String> unknown = new TreeSet<>(names);
        unknown.remove(ALL);
        unknown.removeAll(offered.keySet());
        if (!unknown.isEmpty()) {
            throw new IllegalStateException("Environment variable " + variable + " names " + unknown
                    + ", which no tool source offers (offered: " + new TreeSet<>(offered.keySet()) + ")");
        }
    }

    /**
     * The composition root's registry: reads TOOLS_ALLOWED, TOOLS_APPROVAL and MCP_SERVERS, starts every MCP client
     * and lists its tools.
     *
     * @throws IllegalStateException on malformed configuration, an MCP server that does not start, a duplicate tool
     *     name or a name no source offers; MCP clients already started are closed first
     */
    public static ToolRegistry fromEnv(Env env, Clock clock, NoteStore notes) {
        return create(names(env, Setting.TOOLS_ALLOWED), names(env, Setting.TOOLS_APPROVAL),
                McpServerConfig.parseAll(env.text(Setting.MCP_SERVERS)), clock, notes);
    }

    /** As {@link #fromEnv} with the configuration already parsed. */
    public static ToolRegistry create(Set<String> allowedNames, Set<String> approvalNames,
            List<McpServerConfig> servers, Clock clock, NoteStore notes) {
        Map<String, Long> initMillis = new LinkedHashMap<>();
        List<AgentTool> offered = new ArrayList<>();
        long t0 = System.nanoTime();
        offered.addAll(BuiltinTools.create(clock, notes));
        initMillis.put(BuiltinTools.ORIGIN, (System.nanoTime() - t0) / 1_000_000);

        List<McpClient> clients = new ArrayList<>();
        try {
            for (McpServerConfig server : servers) {
                long start = System.nanoTime();
                McpClient client = connect(server);
                clients.add(client);
                List<ToolSpecification> specs;
                try {
                    specs = client.listTools();
                } catch (RuntimeException e) {
                    throw new IllegalStateException("MCP server '" + server.name() + "' (" + server.describe()
                            + ") did not list its tools: " + rootMessage(e), e);
                }
                specs.forEach(spec -> offered.add(new McpTool(spec, server.origin(), client)));
                long millis = (System.nanoTime() - start) / 1_000_000;
                initMillis.put(server.origin(), millis);
                LOG.info("MCP server {} ready: {} tools in {} ms", server.name(), specs.size(), millis);
            }
            return new ToolRegistry(offered, allowedNames, approvalNames, initMillis, clients);
        } catch (RuntimeException e) {
            closeAll(clients);
            throw e;
        }
    }

    private static McpClient connect(McpServerConfig server) {
        McpTransport transport = switch (server.transport()) {
            case HTTP -> StreamableHttpMcpTransport.builder()
                    .url(server.url())
                    .timeout(MCP_INIT_TIMEOUT)
                    .logRequests(false) // requests and responses carry tool arguments and results
                    .logResponses(false)
                    .build();
            case STDIO -> StdioMcpTransport.builder()
                    .command(server.command())
                    .logEvents(false)
                    .build();
        };
        try {
            return DefaultMcpClient.builder()
                    .key(server.name())
                    .clientName("switchboard")
                    .transport(transport)
                    .initializationTimeout(MCP_INIT_TIMEOUT)
                    .toolExecutionTimeout(MCP_CALL_TIMEOUT)
                    .autoHealthCheck(false) // no background thread: a Lambda environment is frozen between turns
                    .build();
        } catch (RuntimeException e) {
            try {
                transport.close(); // a failed client leaves its transport (and a stdio child) behind
            } catch (Exception closing) {
                e.addSuppressed(closing);
            }
            throw new IllegalStateException("MCP server '" + server.name() + "' (" + server.describe()
                    + ") did not initialise: " + rootMessage(e), e);
        }
    }

    private static Set<String> names(Env env, Setting setting) {
        String value = env.text(setting);
        if (NONE.equalsIgnoreCase(value.trim())) {
            return Set.of();
        }
        return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .collect(Collectors.toCollection(LinkedHashSet::new));
    }

    /** The first cause that is not a mere wrapper (of a future, say): it says what went wrong. */
    private static String rootMessage(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause
                && (cause.getClass() == RuntimeException.class || cause instanceof ExecutionException
                        || cause instanceof CompletionException)) {
            cause = cause.getCause();
        }
        if (cause instanceof TimeoutException) {
            return "no answer within " + MCP_INIT_TIMEOUT.toSeconds() + " s";
        }
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message.strip());
    }

    /** The allowed tools' specifications, for the model's request: built-ins first, then each server's, in order. */
    @Override
    public List<ToolSpecification> specifications() {
        return specifications;
    }

    /** An allowed tool; empty for a name that is unknown or not allowed (a model may ask for any name). */
    @Override
    public Optional<AgentTool> find(String name) {
        return name == null ? Optional.empty() : Optional.ofNullable(allowed.get(name));
    }

    /** Whether a call of this tool waits for the user's approval (TOOLS_APPROVAL). */
    @Override
    public boolean needsApproval(String name) {
        return approveAll || approval.contains(name);
    }

    /** Milliseconds each source took to initialise: {@code builtin}, {@code mcp:<name>}. */
    public Map<String, Long> initMillis() {
        return initMillis;
    }

    /** Closes every MCP client; a stdio server's process is ended. Never throws. */
    @Override
    public void close() {
        closeAll(clients);
    }

    private static void closeAll(Collection<McpClient> clients) {
        for (McpClient client : clients) {
            try {
                client.close();
            } catch (Exception e) {
                LOG.warn("closing MCP client {} failed: {}", client.key(), e.toString());
            }
        }
    }
}
