package dev.switchboard.infra.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LoadBenchmarkTest {
    @Test
    void percentilesAreNearestRank() {
        double[] samples = new double[100];
        for (int i = 0; i < 100; i++) {
            samples[i] = 100 - i; // unsorted on purpose
        }
        assertThat(LoadBenchmark.percentile(samples, 50)).isEqualTo(50);
        assertThat(LoadBenchmark.percentile(samples, 99)).isEqualTo(99);
        assertThat(LoadBenchmark.percentile(samples, 100)).isEqualTo(100);
        assertThat(LoadBenchmark.percentile(new double[] {7}, 99)).isEqualTo(7);
        assertThat(LoadBenchmark.percentiles(new double[0])).isEqualTo("no samples");
    }

    @Test
    void settingsDeriveTheAnswerTimeAndPollersAndRejectNonsense() {
        LoadBenchmark.Settings s = new LoadBenchmark.Settings(2, 3, 1, 1000, 200, 50, 101, 10, 0, -1);
        assertThat(s.answerMillis()).isEqualTo(200 + 100 * 1000 / 50);
        assertThat(s.sessions()).isEqualTo(6);
        assertThat(s.effectivePollers()).isEqualTo(200);
        assertThat(LoadBenchmark.Settings.smoke().effectivePollers()).isEqualTo(8);
        assertThatThrownBy(() -> new LoadBenchmark.Settings(0, 1, 1, 1, 0, 1, 1, 1, 0, -1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
