package dev.switchboard.tools;

import dev.langchain4j.agent.tool.ToolSpecification;
import java.util.List;
import java.util.Optional;

/** The tools a turn may call (the operator's allow-list), and which of them need the user's approval. */
public interface ToolSet {
    List<ToolSpecification> specifications();

    Optional<AgentTool> find(String name);

    boolean needsApproval(String name);

    /** No tools: the model is called without tool specifications. */
    ToolSet NONE = new ToolSet() {
        public List<ToolSpecification> specifications() { return List.of(); }

        public Optional<AgentTool> find(String name) { return Optional.empty(); }

        public boolean needsApproval(String name) { return false; }
    };
}
