package dev.switchboard.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.port.UsageCounters;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link UsageCounters} port's contract. Every test works in minutes of its own (a random start years ahead), so
 * one shared store can serve all tests.
 */
public abstract class UsageCountersContract {
    protected UsageCounters counters;
    /** The first of this test's minutes, as epoch millis. */
    protected long t0;
    protected long m0;

    protected abstract UsageCounters counters();

    @BeforeEach
    void setUpContract() {
        counters = counters();
        // minutes years ahead: never the current ones other tests count in, and never expired by a TTL
        m0 = System.currentTimeMillis() / 60_000 + ThreadLocalRandom.current().nextLong(1_000_000, 2_000_000);
        t0 = m0 * 60_000;
    }

    @Test
    void nothingCountedReadsAsNoMinutes() {
        assertThat(counters.read(m0, m0 + 10)).isEmpty();
    }

    @Test
    void addsAccumulatePerMinute() {
        counters.add(t0 + 1_000, Map.of(UsageCounters.TURNS, 1L, UsageCounters.TOKENS_IN, 10L));
        counters.add(t0 + 59_000, Map.of(UsageCounters.TURNS, 2L, UsageCounters.TOKENS_OUT, 5L));
        counters.add(t0 + 60_000, Map.of(UsageCounters.TURNS, 7L));

        List<UsageCounters.Minute> read = counters.read(m0, m0 + 1);
        assertThat(read).extracting(UsageCounters.Minute::minute).containsExactly(m0, m0 + 1);
        assertThat(read.get(0).values()).containsExactlyInAnyOrderEntriesOf(Map.of(
                UsageCounters.TURNS, 3L, UsageCounters.TOKENS_IN, 10L, UsageCounters.TOKENS_OUT, 5L));
        assertThat(read.get(1).get(UsageCounters.TURNS)).isEqualTo(7);
        assertThat(read.get(1).get(UsageCounters.TOKENS_IN)).isZero();
    }

    @Test
    void readReturnsOnlyTheAskedMinutesOldestFirst() {
        for (int i = 0; i < 5; i++) {
            counters.add(t0 + i * 60_000L, Map.of(UsageCounters.TURNS, (long) i + 1));
        }
        assertThat(counters.read(m0 + 1, m0 + 3)).extracting(m -> m.get(UsageCounters.TURNS))
                .containsExactly(2L, 3L, 4L);
        assertThat(counters.read(m0 + 3, m0 + 1)).isEmpty();
    }

    @Test
    void zeroAmountsAndEmptyAddsWriteNothing() {
        counters.add(t0, Map.of(UsageCounters.TURNS, 0L));
        counters.add(t0, Map.of());
        assertThat(counters.read(m0, m0)).isEmpty();
    }

    @Test
    void errorCountersAreNamedByCode() {
        counters.add(t0, Map.of(UsageCounters.error("TURN_FAILED"), 2L, UsageCounters.error("INTERNAL"), 1L));
        assertThat(counters.read(m0, m0).get(0).values())
                .containsEntry("error.TURN_FAILED", 2L).containsEntry("error.INTERNAL", 1L);
    }

    @Test
    void aGaugeKeepsTheLargestValueOfTheMinute() {
        counters.max(t0, UsageCounters.CACHE_SIZE, 40);
        counters.max(t0 + 1, UsageCounters.CACHE_SIZE, 90);
        counters.max(t0 + 2, UsageCounters.CACHE_SIZE, 60);
        counters.add(t0, Map.of(UsageCounters.CACHE_HITS, 3L));
        UsageCounters.Minute m = counters.read(m0, m0).get(0);
        assertThat(m.get(UsageCounters.CACHE_SIZE)).isEqualTo(90);
        assertThat(m.get(UsageCounters.CACHE_HITS)).isEqualTo(3);
    }

    @Test
    void concurrentAddsAreNotLost() {
        CompletableFuture<?>[] all = IntStream.range(0, 20).mapToObj(i -> CompletableFuture.runAsync(() ->
                counters.add(t0, Map.of(UsageCounters.TURNS, 1L, UsageCounters.TOKENS_IN, 3L)))).toArray(CompletableFuture[]::new);
        CompletableFuture.allOf(all).join();
        UsageCounters.Minute m = counters.read(m0, m0).get(0);
        assertThat(m.get(UsageCounters.TURNS)).isEqualTo(20);
        assertThat(m.get(UsageCounters.TOKENS_IN)).isEqualTo(60);
    }

    @Test
    void invalidNamesAreRefused() {
        assertThatThrownBy(() -> counters.add(t0, Map.of("bad name", 1L))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> counters.max(t0, "", 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
