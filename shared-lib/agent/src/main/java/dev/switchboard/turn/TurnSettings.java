package dev.switchboard.turn;

/**
 * How the turn engine runs (the worker reads and range-checks these from its environment).
 *
 * @param historyWindow    how many earlier messages the model sees
 * @param flushMillis      the wait after the first delta; each later wait doubles, up to {@code maxFlushMillis}
 * @param maxFlushMillis   the longest wait between two deltas
 * @param maxDeltaBytes    the most text one delta holds (UTF-8 bytes)
 * @param maxReceiveCount  failed deliveries after which a turn is given up (hand-offs do not count)
 * @param cancelPollMillis how often a streaming turn reads its session for a cancel or a resume
 * @param maxToolRounds    how many rounds of tool calls a turn may make
 * @param maxHandoffs      how often one run may be handed on to a new invocation (0: never)
 * @param runMaxMillis     the longest one run may take across its hand-offs
 */
public record TurnSettings(int historyWindow, long flushMillis, long maxFlushMillis, int maxDeltaBytes,
                           int maxReceiveCount, long cancelPollMillis, int maxToolRounds, int maxHandoffs,
                           long runMaxMillis) {

    /** Up to 20 hand-offs and an hour per run (RUN_MAX_HANDOFFS and RUN_MAX_SECONDS at their defaults). */
    public TurnSettings(int historyWindow, long flushMillis, long maxFlushMillis, int maxDeltaBytes,
                        int maxReceiveCount, long cancelPollMillis, int maxToolRounds) {
        this(historyWindow, flushMillis, maxFlushMillis, maxDeltaBytes, maxReceiveCount, cancelPollMillis,
                maxToolRounds, 20, 3_600_000);
    }

    /**
     * The turns queue's maxReceiveCount: the failed deliveries a turn may have, plus one receive per hand-off. On its
     * last receive a run is never handed on.
     */
    public int queueMaxReceiveCount() {
        return maxReceiveCount + maxHandoffs;
    }

    /** The same settings with another hand-off limit and maximum run length. */
    public TurnSettings withRunLimits(int handoffs, long maxMillis) {
        return new TurnSettings(historyWindow, flushMillis, maxFlushMillis, maxDeltaBytes, maxReceiveCount,
                cancelPollMillis, maxToolRounds, handoffs, maxMillis);
    }

    /** A fixed delta interval: every wait is {@code flushMillis}. */
    public TurnSettings(int historyWindow, long flushMillis, int maxDeltaBytes, int maxReceiveCount,
                        long cancelPollMillis, int maxToolRounds) {
        this(historyWindow, flushMillis, flushMillis, maxDeltaBytes, maxReceiveCount, cancelPollMillis, maxToolRounds);
    }

    /** A fixed delta interval, a cancel poll every 250 ms and up to 5 tool rounds. */
    public TurnSettings(int historyWindow, long flushMillis, int maxDeltaBytes, int maxReceiveCount) {
        this(historyWindow, flushMillis, maxDeltaBytes, maxReceiveCount, 250, 5);
    }
}
