package dev.switchboard.turn;

/**
 * How the turn engine runs (the worker reads and range-checks these from its environment).
 *
 * @param historyWindow    how many earlier messages the model sees
 * @param flushMillis      the wait after the first delta; each later wait doubles, up to {@code maxFlushMillis}
 * @param maxFlushMillis   the longest wait between two deltas
 * @param maxDeltaBytes    the most text one delta holds (UTF-8 bytes)
 * @param maxReceiveCount  deliveries after which a failed turn is given up (the queue's maxReceiveCount)
 * @param cancelPollMillis how often a streaming turn reads its session for a cancel or a resume
 * @param maxToolRounds    how many rounds of tool calls a turn may make
 */
public record TurnSettings(int historyWindow, long flushMillis, long maxFlushMillis, int maxDeltaBytes,
                           int maxReceiveCount, long cancelPollMillis, int maxToolRounds) {

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
