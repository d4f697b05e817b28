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
    /** Prefix of the rating counters, {@code rating.<up|down>.<model id>}: see {@link #rating}. */
    String RATING_PREFIX = "rating.";
    int RETENTION_DAYS = 7;

    /** Counts nothing and reads nothing (where no counters are wired). */
    UsageCounters NONE = new UsageCounters() {
        public void add(long nowMillis, Map<String, Long> amounts) { }

        public void max(long nowMillis, String gauge, long value) { }

        public List<Minute> read(long fromMinute, long toMinute) {
            return List.of();
        }
    };

    /** The counter of answers of {@code model} rated {@code value} ({@code up} or {@code down}). */
    static String rating(String value, String model) {
        return RATING_PREFIX + value + "." + (model == null ? "unknown" : model);
    }

    /** The counter of errors with this protocol error code. */
    static String error(String code) {
        return ERROR_PREFIX + code;
    }

    /** A counter or gauge name: 1-160 of {@code A-Z a-z 0-9 . _ - : /} (a rating counter names a model id). */
    static String checkName(String name) {
        if (name == null || !name.matches("[A-Za-z0-9._:/\\-]{1,160}")) {
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
