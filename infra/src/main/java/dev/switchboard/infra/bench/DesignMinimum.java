package dev.switchboard.infra.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The fewest DynamoDB requests Switchboard's design needs for one later turn of a session at a given load (a user
 * with no memories or documents, no tools, per-user limits on), step by step with what each is for: what
 * {@link Floor} prints beside a storage target it does not meet (issue 14: "print the minimum the design allows and
 * why"). It is the design's count, not a measurement; the bench's measured figures stand beside it, and
 * docs/performance.md compares the two request by request.
 */
public record DesignMinimum(List<Step> steps) {
    /** Where a step's requests are made. */
    public enum Part { MESSAGE_BEFORE_ACCEPTED, WORKER_BEFORE_FIRST_DELTA, WORKER_AFTER_FIRST_DELTA, MEMORY_JOB }

    /** {@code requests} DynamoDB requests a turn makes for one need. */
    public record Step(Part part, String request, double requests, String why) {}

    public DesignMinimum {
        steps = List.copyOf(steps);
    }

    /**
     * @param streamMillis     how long the answer streams (the model's first token and its tokens at its rate)
     * @param cancelPollMillis the worker's {@code CANCEL_POLL_MILLIS}: the bound on reaching a cancel or a resume
     * @param invocationsPerTurn the worker's invocations per turn at this load (the usage counters are one write per
     *                           invocation that ran a turn: a fuller batch shares it among more turns)
     */
    public static DesignMinimum of(long streamMillis, long cancelPollMillis, double invocationsPerTurn) {
        List<Step> s = new ArrayList<>();
        s.add(new Step(Part.MESSAGE_BEFORE_ACCEPTED, "session GetItem", 1,
                "the session must exist and be the user's; its model, cancel state and hold mark"));
        s.add(new Step(Part.MESSAGE_BEFORE_ACCEPTED, "admission TransactWriteItems", 1,
                "the minute's count and the slot, the claim of the clientMessageId, the user message and the "
                        + "session's mark, all or none"));
        s.add(new Step(Part.WORKER_BEFORE_FIRST_DELTA, "run claim UpdateItem", 1,
                "one run of a session at a time, and the session as it is now"));
        s.add(new Step(Part.WORKER_BEFORE_FIRST_DELTA, "history Query", 1, "the conversation the model answers"));
        s.add(new Step(Part.WORKER_BEFORE_FIRST_DELTA, "connections Query", 1,
                "where the deltas go (every connection of the user)"));
        s.add(new Step(Part.WORKER_BEFORE_FIRST_DELTA, "standing Query", 1,
                "the first call's budget, the knowledge version, the user's held jobs"));
        s.add(new Step(Part.WORKER_AFTER_FIRST_DELTA, "cancel poll GetItem",
                Math.floorDiv(streamMillis, cancelPollMillis),
                "a cancel or a resume reaches the stream within " + cancelPollMillis + " ms"));
        s.add(new Step(Part.WORKER_AFTER_FIRST_DELTA, "answer PutItem", 1, "one answer per turn"));
        s.add(new Step(Part.WORKER_AFTER_FIRST_DELTA, "settle UpdateItem", 1,
                "the claim ends; resumes asked meanwhile are served"));
        s.add(new Step(Part.WORKER_AFTER_FIRST_DELTA, "charge + slot TransactWriteItems", 1,
                "the call's tokens, once per call, and the running-answer slot freed"));
        s.add(new Step(Part.WORKER_AFTER_FIRST_DELTA, "usage counters UpdateItem", Math.min(1, invocationsPerTurn),
                "the operator API's figures: one write per invocation, shared by a batch's turns"));
        s.add(new Step(Part.MEMORY_JOB, "turn Query", 1, "the turn's question and answer"));
        s.add(new Step(Part.MEMORY_JOB, "memories Query", 1, "the memories the extraction may update"));
        s.add(new Step(Part.MEMORY_JOB, "charge TransactWriteItems", 1, "the extraction's tokens"));
        return new DesignMinimum(s);
    }

    public double total() {
        return steps.stream().mapToDouble(Step::requests).sum();
    }

    public double of(Part part) {
        return steps.stream().filter(s -> s.part() == part).mapToDouble(Step::requests).sum();
    }
}
