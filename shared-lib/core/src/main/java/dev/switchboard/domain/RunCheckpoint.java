package dev.switchboard.domain;

import java.util.List;

/**
 * Where a streaming run stood when its invocation's deadline came (a hand-off): the next delivery of the same queue
 * record continues the answer from here instead of restarting it. {@code text} is the answer streamed so far and
 * {@code stream} its stream marks (the next delta's seq is {@code stream.deltas()}); {@code handoffs} counts the
 * hand-offs so far (each one cost one SQS receive); {@code runStartedMillis} is when the run's first segment started;
 * {@code inputTokens}/{@code outputTokens} sum the usage of the segments so far; {@code handedOffBy} is the run claim
 * ({@link RunClaim#attempt()}) of the segment that handed off: a next segment whose claim is not the one right after
 * it knows that a segment in between took the run and ended without a checkpoint (its worker died or it failed), and
 * may have streamed past this one. {@code served} are the connections the segments so far reached: the resume
 * requests they served (a replay sent, the connection streamed to) and, as entries with {@code lastSeq} -2 (below
 * any seq a client's resume names), the other connections they streamed to. The next segment does not replay to them
 * again unasked (the connections being the user's, they get its deltas anyway; a resume one of them sends later is
 * served) and replays the text so far to any other connection of the user, one opened while the run was handed on.
 */
public record RunCheckpoint(String userId, String sessionId, String turnId, String text, StreamMarks stream,
                            int handoffs, long runStartedMillis, long inputTokens, long outputTokens,
                            long handedOffBy, List<ResumeRequest> served) {
    public RunCheckpoint {
        served = served == null ? List.of() : List.copyOf(served);
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

    /**
     * Whether the run claimed as {@code attempt} comes right after the segment that saved this checkpoint (the claims
     * of a session count up by one): then clients hold exactly this text, and the run goes on as one stream.
     */
    public boolean continuedBy(long attempt) {
        return attempt == handedOffBy + 1;
    }

    /**
     * This checkpoint taken up by run {@code attempt} after a restart: the same text and delta ends, its deltas from
     * now on marked with the new run (a client holding deltas of the old one past {@link #nextSeq()} drops them).
     */
    public RunCheckpoint restartedAs(long attempt) {
        return new RunCheckpoint(userId, sessionId, turnId, text,
                new StreamMarks(attempt, stream.firstSeq(), stream.firstOffset(), stream.ends()), handoffs,
                runStartedMillis, inputTokens, outputTokens, handedOffBy, served);
    }
}
