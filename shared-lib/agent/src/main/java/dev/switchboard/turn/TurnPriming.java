package dev.switchboard.turn;

import dev.switchboard.agent.AgentFactory;
import dev.switchboard.agent.TurnContext;
import dev.switchboard.domain.ToolStatus;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.ProtocolCodec;
import dev.switchboard.protocol.ServerEvent;
import java.util.List;

/**
 * SnapStart priming of the turn path: builds a conversation and a model request (loading langchain4j's request
 * classes and the model clients' builders), and writes each streamed event type once, without calling a model or AWS.
 */
final class TurnPriming {
    private TurnPriming() {}

    static void prime(AgentFactory agents, ProtocolCodec codec) {
        var conversation = agents.conversation(null, TurnContext.EMPTY, List.of(), "priming");
        ModelStream.request(conversation, agents.tools().specifications());
        codec.write(new ServerEvent.Delta("priming", "priming", 0, "priming"));
        codec.write(new ServerEvent.ToolCallEvent("priming", "priming", "c", "priming", "{}"));
        codec.write(new ServerEvent.ToolResult("priming", "priming", "c", "priming", ToolStatus.DONE.wire(), "priming"));
        codec.write(new ServerEvent.ApprovalRequired("priming", "priming", "c", "priming", "{}"));
        codec.write(new ServerEvent.Done("priming", "priming", 1, agents.model().name(), agents.model().offline(),
                "STOP", new ServerEvent.Usage(0, 0, 0), new ServerEvent.Timings(0, 0, 0),
                List.of(new ServerEvent.Source("d", "t", 0, 0.5)), 1));
        codec.write(ServerEvent.Error.of(ErrorCode.TURN_FAILED, "priming"));
    }
}
