package dev.switchboard.port;

/**
 * What Switchboard measures, as CloudWatch metrics: per turn (queue wait, time to first delta, duration, tokens, tool
 * calls), errors by code, and cold starts. Implementations must never fail the caller.
 */
public interface Metrics {
    /** One finished turn; {@code outcome} is answered, cancelled or failed. */
    record TurnFigures(String outcome, String model, long queueWaitMs, long firstDeltaMs, long totalMs,
                       int inputTokens, int outputTokens, int toolCalls) {}

    void turn(TurnFigures figures);

    /** An error event sent to a client ({@code code} from docs/protocol.md), or a turn given up. */
    void error(String code);

    /** The first invocation of an execution environment: how long its init took. */
    void coldStart(long initMillis);

    Metrics NONE = new Metrics() {
        public void turn(TurnFigures figures) { }

        public void error(String code) { }

        public void coldStart(long initMillis) { }
    };
}
