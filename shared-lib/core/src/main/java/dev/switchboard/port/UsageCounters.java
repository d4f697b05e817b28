package dev.switchboard.port;

import java.util.List;
import java.util.Map;

/**
 * Per-minute usage counters shared by every function instance (the figures only the worker sees: turns, tokens,
 * user-cache hits and misses, errors by code). Counters are added atomically, so any number of instances may add to
 * the same minute at once; gauges keep the largest value reported in a minute. Counting is best effort: callers catch
 * and log a failure instead of failing the work they count. Minutes are UTC epoch minutes; buckets expire after
 * {@link #RETENTION_DAYS} days.
 */
public interface UsageCounters {
    /** Turns answered (stored and {@code done} sent). */
    String TURNS = "turns";
    /** Input (prompt) tokens of answered turns, as the model reported them. */
    String TOKENS_IN = "tokensIn";
    /** Output (completion) tokens of answered turns. */
    String TOKENS_OUT = "tokensOut";
    /** User-tier cache hits and misses since the last report of the instance (deltas, not totals). */
    String CACHE_HITS = "cacheHits";
    String CACHE_MISSES = "cacheMisses";
    /** Gauge: entries in one instance's user-tier cache (the largest reported in the minute). */
    String CACHE_SIZE = "cacheSize";
    /** Prefix of the error counters, e.g. {@code error.TURN_FAILED}: see {@link #error}. */
    String ERROR_PREFIX = "error.";
    int RETENTION_DAYS = 7;

    /** The counter of errors with this protocol error code. */
    static String error(String code) {
        return ERROR_PREFIX + code;
    }

    /** A counter or gauge name: 1-64 of {@code A-Z a-z 0-9 . _ -}. */
    static String checkName(String name) {
        if (name == null || !name.matches("[A-Za-z0-9._\\-]{1,64}")) {
            throw new IllegalArgumentException("invalid counter name: " + name);
        }
        return name;
    }

    /** The counters (and gauges) of one minute; {@code minute} is the epoch minute (epoch millis / 60,000). */
    record Minute(long minute, Map<String, Long> values) {
        public Minute {
            values = Map.copyOf(values);
        }

        public long get(String name) {
            return values.getOrDefault(name, 0L);
        }
    }

    /** Adds each (non-zero) amount to its counter of the minute of {@code nowMillis}, atomically. */
    void add(long nowMillis, Map<String, Long> amounts);

    /** Raises the gauge of the minute of {@code nowMillis} to {@code value} unless it is already higher. */
    void max(long nowMillis, String gauge, long value);

    /** The minutes from {@code fromMinute} to {@code toMinute} (inclusive) that have any value, oldest first. */
    List<Minute> read(long fromMinute, long toMinute);
}
