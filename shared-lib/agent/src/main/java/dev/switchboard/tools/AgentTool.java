package dev.switchboard.tools;

import dev.langchain4j.agent.tool.ToolSpecification;

/** One tool the agent may call: a built-in or one offered by an MCP server. Built in the global tier, shared. */
public interface AgentTool {
    /** Name, description and JSON schema of the arguments, as given to the model. */
    ToolSpecification specification();

    /**
     * Runs the tool. The user is {@code context.userId()}; arguments naming another user are ignored.
     *
     * @param argumentsJson the model's arguments (a JSON object, possibly malformed)
     * @return the result text given back to the model
     * @throws ToolException when the arguments are invalid or the tool failed (the message is shown to the model)
     */
    String execute(ToolContext context, String argumentsJson);

    /** {@code builtin} or {@code mcp:<server name>}. */
    String origin();

    default String name() {
        return specification().name();
    }
}
