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
 * (turns, tokens, errors by code). Best effort: a failed write is logged, never thrown.
 */
public final class UsageMetrics implements Metrics {
    private static final Logger LOG = LoggerFactory.getLogger(UsageMetrics.class);

    private final UsageCounters counters;
    private final Clock clock;

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

    /** The user cache's hits and misses since the last report, and its size. */
    public void userCache(long hits, long misses, long size) {
        add(Map.of(UsageCounters.CACHE_HITS, hits, UsageCounters.CACHE_MISSES, misses));
        try {
            counters.max(clock.millis(), UsageCounters.CACHE_SIZE, size);
        } catch (RuntimeException e) {
            LOG.warn("usage gauge not written: {}", e.getClass().getSimpleName());
        }
    }

    private void add(Map<String, Long> amounts) {
        try {
            counters.add(clock.millis(), amounts);
        } catch (RuntimeException e) {
            LOG.warn("usage counters not written: {}", e.getClass().getSimpleName());
        }
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
