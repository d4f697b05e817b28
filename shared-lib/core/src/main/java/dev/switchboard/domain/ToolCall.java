package dev.switchboard.domain;

/**
 * The tool call of a {@link Role#TOOL} message: {@code step} orders the calls of one turn ({@link #step(int, int)});
 * {@code arguments} is the model's JSON; {@code roundText} is the text the model streamed before this round's calls
 * (kept on the round's first call) and {@code seqBase} how many deltas the turn had sent when the call was made.
 */
public record ToolCall(int step, String toolCallId, String name, String arguments, String roundText, int seqBase) {
    /** The result a denied call gives the model (and history) in place of a tool's output. */
    public static final String DENIED_RESULT = "The user denied this tool call; it was not run.";

    /** Calls per round the step numbering leaves room for. */
    private static final int CALLS_PER_ROUND = 100;

    /** The step of call {@code index} (from 0) of tool round {@code round} (from 0): round * 100 + index. */
    public static int step(int round, int index) {
        return round * CALLS_PER_ROUND + index;
    }

    /** The tool round this call was made in. */
    public int round() {
        return step / CALLS_PER_ROUND;
    }

    /** Where this call is in its round (from 0). */
    public int index() {
        return step % CALLS_PER_ROUND;
    }
}
