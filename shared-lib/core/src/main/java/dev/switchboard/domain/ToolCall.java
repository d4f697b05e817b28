package dev.switchboard.domain;

/**
 * The tool call of a {@link Role#TOOL} message: {@code step} orders the calls of one turn (round * 100 + index);
 * {@code arguments} is the model's JSON; {@code roundText} is the text the model streamed before this round's calls
 * (kept on the round's first call) and {@code seqBase} how many deltas the turn had sent when the call was made.
 */
public record ToolCall(int step, String toolCallId, String name, String arguments, String roundText, int seqBase) {
    /** The result a denied call gives the model (and history) in place of a tool's output. */
    public static final String DENIED_RESULT = "The user denied this tool call; it was not run.";

    public int round() {
        return step / 100;
    }
}
