package dev.switchboard.domain;

/**
 * Where a streaming run stood when its invocation's deadline came (a hand-off): the next delivery of the same queue
 * record continues the answer from here instead of restarting it. {@code text} is the answer streamed so far and
 * {@code stream} its stream marks (the next delta's seq is {@code stream.deltas()}); {@code handoffs} counts the
 * hand-offs so far (each one cost one SQS receive); {@code runStartedMillis} is when the run's first segment started;
 * {@code inputTokens}/{@code outputTokens} sum the usage of the segments so far.
 */
public record RunCheckpoint(String userId, String sessionId, String turnId, String text, StreamMarks stream,
                            int handoffs, long runStartedMillis, long inputTokens, long outputTokens) {
    public RunCheckpoint {
        if (text == null || stream == null) {
            throw new IllegalArgumentException("a checkpoint needs its text and stream marks");
        }
        if (handoffs < 1) {
            throw new IllegalArgumentException("a checkpoint is written by a hand-off: handoffs >= 1, got " + handoffs);
        }
    }

    /** The seq of the first delta the next segment streams: right after the last one streamed before the hand-off. */
    public int nextSeq() {
        return stream.deltas();
    }
}
