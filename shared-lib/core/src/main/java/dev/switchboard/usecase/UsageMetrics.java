package dev.switchboard.usecase;

import dev.switchboard.port.Metrics;

import dev.switchboard.port.Clock;
import dev.switchboard.port.UsageCounters;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Metrics} into the shared per-minute {@link UsageCounters} that the operator API's {@code /stats} reads
 * (turns, tokens, errors by code, the user cache). The figures are summed in memory and written by {@link #flush},
 * once per worker invocation, as one counter update (plus the cache-size gauge when it grew this minute): every worker
 * writes the same per-minute item, so one write per turn and two per invocation would make it the hottest item of
 * the table. An invocation's figures count in the minute it ends. Best effort: a failed write is logged, never
 * thrown, and its figures dropped.
 */
public final class UsageMetrics implements Metrics {
    private static final Logger LOG = LoggerFactory.getLogger(UsageMetrics.class);

    private final UsageCounters counters;
    private final Clock clock;
    /** What was counted since the last flush (guarded by this). */
    private final Map<String, Long> pending = new LinkedHashMap<>();
    /** The minute of the last cache-size gauge written, and the largest size written in it (guarded by this). */
    private long gaugeMinute = -1;
    private long gaugeWritten = -1;

    public UsageMetrics(UsageCounters counters, Clock clock) {
        this.counters = counters;
        this.clock = clock;
    }

    @Override
    public void turn(TurnFigures f) {
        if (!"answered".equals(f.outcome())) {
            return;
        }
        Map<String, Long> amounts = new LinkedHashMap<>();
        amounts.put(UsageCounters.TURNS, 1L);
        amounts.put(UsageCounters.TOKENS_IN, (long) f.inputTokens());
        amounts.put(UsageCounters.TOKENS_OUT, (long) f.outputTokens());
        add(amounts);
    }

    @Override
    public void error(String code) {
        add(Map.of(UsageCounters.error(code), 1L));
    }

    @Override
    public void coldStart(long initMillis) {
        // cold starts are EMF metrics only
    }

    /**
     * The user cache's hits and misses since the last report (counted until the next flush), and its size: the gauge
     * is written now, unless this instance wrote as large a size this minute already (the stored maximum is then at
     * least as large).
     */
    public void userCache(long hits, long misses, long size) {
        add(Map.of(UsageCounters.CACHE_HITS, hits, UsageCounters.CACHE_MISSES, misses));
        long now = clock.millis();
        if (!gaugeGrew(now / 60_000, size)) {
            return;
        }
        try {
            counters.max(now, UsageCounters.CACHE_SIZE, size);
        } catch (RuntimeException e) {
            LOG.warn("usage gauge not written: {}", e.getClass().getSimpleName());
        }
    }

    private synchronized boolean gaugeGrew(long minute, long size) {
        if (minute != gaugeMinute) {
            gaugeMinute = minute;
            gaugeWritten = -1;
        }
        if (size <= gaugeWritten) {
            return false;
        }
        gaugeWritten = size;
        return true;
    }

    /** Writes what was counted since the last flush, as one update of the current minute (nothing when nothing was). */
    public void flush() {
        Map<String, Long> amounts;
        synchronized (this) {
            if (pending.isEmpty()) {
                return;
            }
            amounts = new LinkedHashMap<>(pending);
            pending.clear();
        }
        try {
            counters.add(clock.millis(), amounts);
        } catch (RuntimeException e) {
            LOG.warn("usage counters not written: {}", e.getClass().getSimpleName());
        }
    }

    private synchronized void add(Map<String, Long> amounts) {
        amounts.forEach((name, amount) -> {
            if (amount != null && amount != 0) {
                pending.merge(name, amount, Long::sum);
            }
        });
    }

    /** Every record goes to each of {@code all}. */
    public static Metrics fanOut(List<Metrics> all) {
        return new Metrics() {
            public void turn(TurnFigures figures) {
                all.forEach(m -> m.turn(figures));
            }

            public void error(String code) {
                all.forEach(m -> m.error(code));
            }

            public void coldStart(long initMillis) {
                all.forEach(m -> m.coldStart(initMillis));
            }
        };
    }
}
