package dev.switchboard.tools;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.mcp.client.McpClient;
import dev.langchain4j.service.tool.ToolExecutionResult;

/** A tool offered by an MCP server, run through that server's client ({@code tools/call}). */
final class McpTool implements AgentTool {
    private final ToolSpecification spec;
    private final String origin;
    private final McpClient client;

    McpTool(ToolSpecification spec, String origin, McpClient client) {
        this.spec = spec;
        this.origin = origin;
        this.client = client;
    }

    @Override
    public ToolSpecification specification() {
        return spec;
    }

    @Override
    public String origin() {
        return origin;
    }

    @Override
    public String execute(ToolContext context, String argumentsJson) {
        ToolExecutionRequest request = ToolExecutionRequest.builder()
                .id(context.turnId())
                .name(spec.name())
                .arguments(argumentsJson == null || argumentsJson.isBlank() ? "{}" : argumentsJson)
                .build();
        ToolExecutionResult result;
        try {
            result = client.executeTool(request);
        } catch (RuntimeException e) { // the server's error result, a JSON-RPC error, bad arguments, a lost server
            throw new ToolException(spec.name() + " failed: " + message(e), e);
        }
        String text = result.resultText() == null ? "" : result.resultText();
        if (result.isError()) {
            throw new ToolException(spec.name() + " failed: " + text);
        }
        return text;
    }

    private static String message(Throwable e) {
        String message = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                message = t.getMessage();
            }
        }
        return message == null ? e.getClass().getSimpleName() : message;
    }
}
