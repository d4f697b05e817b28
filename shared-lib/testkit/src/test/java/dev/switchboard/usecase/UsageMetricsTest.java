package dev.switchboard.usecase;

import dev.switchboard.port.Metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.port.UsageCounters;
import dev.switchboard.testing.InMemoryUsageCounters;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UsageMetricsTest {
    private static final long NOW = 1_795_000_000_000L;
    private final InMemoryUsageCounters counters = new InMemoryUsageCounters();
    private final UsageMetrics usage = new UsageMetrics(counters, () -> NOW);

    private UsageCounters.Minute minute() {
        List<UsageCounters.Minute> m = counters.read(NOW / 60_000, NOW / 60_000);
        assertThat(m).hasSize(1);
        return m.get(0);
    }

    @Test
    void answeredTurnsCountTurnsAndTokensAndCancelledOnesDoNot() {
        usage.turn(new Metrics.TurnFigures("answered", "m", 1, 2, 3, 10, 20, 0));
        usage.turn(new Metrics.TurnFigures("answered", "m", 1, 2, 3, 5, 7, 1));
        usage.turn(new Metrics.TurnFigures("cancelled", "m", 1, 2, 3, 100, 100, 0));
        usage.flush();
        UsageCounters.Minute m = minute();
        assertThat(m.get(UsageCounters.TURNS)).isEqualTo(2);
        assertThat(m.get(UsageCounters.TOKENS_IN)).isEqualTo(15);
        assertThat(m.get(UsageCounters.TOKENS_OUT)).isEqualTo(27);
    }

    @Test
    void errorsAreCountedByCodeAndTheCacheByDeltasAndSize() {
        usage.error("TURN_FAILED");
        usage.error("TURN_FAILED");
        usage.userCache(3, 1, 7);
        usage.userCache(2, 0, 5);
        usage.flush();
        UsageCounters.Minute m = minute();
        assertThat(m.get(UsageCounters.error("TURN_FAILED"))).isEqualTo(2);
        assertThat(m.get(UsageCounters.CACHE_HITS)).isEqualTo(5);
        assertThat(m.get(UsageCounters.CACHE_MISSES)).isEqualTo(1);
        assertThat(m.get(UsageCounters.CACHE_SIZE)).isEqualTo(7);
    }

    @Test
    void aFailingStoreNeverFailsTheCallerAndFanOutReachesEveryone() {
        UsageCounters broken = new InMemoryUsageCounters() {
            @Override
            public void add(long nowMillis, Map<String, Long> amounts) {
                throw new IllegalStateException("throttled");
            }
        };
        UsageMetrics failing = new UsageMetrics(broken, () -> NOW);
        Metrics both = UsageMetrics.fanOut(List.of(failing, usage));
        both.error("INTERNAL");
        both.turn(new Metrics.TurnFigures("answered", "m", 0, 0, 0, 1, 1, 0));
        failing.flush();
        usage.flush();
        assertThat(minute().get(UsageCounters.error("INTERNAL"))).isEqualTo(1);
        assertThat(minute().get(UsageCounters.TURNS)).isEqualTo(1);
    }

    @Test
    void anInvocationsFiguresAreOneWriteAndTheGaugeIsWrittenOnlyWhenItGrowsInItsMinute() {
        java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong(NOW);
        List<String> writes = new java.util.ArrayList<>();
        InMemoryUsageCounters recording = new InMemoryUsageCounters() {
            @Override
            public void add(long nowMillis, Map<String, Long> amounts) {
                writes.add("add " + new java.util.TreeSet<>(amounts.keySet()));
                super.add(nowMillis, amounts);
            }

            @Override
            public void max(long nowMillis, String gauge, long value) {
                writes.add("max " + value);
                super.max(nowMillis, gauge, value);
            }
        };
        UsageMetrics batched = new UsageMetrics(recording, now::get);
        for (int i = 0; i < 10; i++) {
            batched.turn(new Metrics.TurnFigures("answered", "m", 1, 2, 3, 10, 20, 0));
        }
        batched.error("TURN_FAILED");
        batched.userCache(4, 1, 7);
        batched.userCache(1, 0, 7); // the same size again this minute: no gauge write
        batched.userCache(1, 0, 6);
        assertThat(writes).as("nothing until the flush but the gauge").containsExactly("max 7");

        batched.flush();
        batched.flush(); // nothing counted since: no write
        assertThat(writes).containsExactly("max 7", "add [cacheHits, cacheMisses, "
                + UsageCounters.error("TURN_FAILED") + ", tokensIn, tokensOut, turns]");
        UsageCounters.Minute m = recording.read(NOW / 60_000, NOW / 60_000).getFirst();
        assertThat(m.get(UsageCounters.TURNS)).isEqualTo(10);
        assertThat(m.get(UsageCounters.TOKENS_OUT)).isEqualTo(200);
        assertThat(m.get(UsageCounters.CACHE_HITS)).isEqualTo(6);
        assertThat(m.get(UsageCounters.CACHE_SIZE)).isEqualTo(7);

        now.addAndGet(60_000); // a new minute: its first size is written
        batched.userCache(1, 0, 6);
        assertThat(writes.getLast()).isEqualTo("max 6");
    }
}
