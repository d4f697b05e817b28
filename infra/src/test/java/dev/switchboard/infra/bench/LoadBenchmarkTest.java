package dev.switchboard.infra.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.switchboard.infra.LocalStack;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class LoadBenchmarkTest {
    @Test
    void percentilesComeFromAnHdrHistogramWithinItsPrecision() {
        double[] samples = new double[1000];
        for (int i = 0; i < 1000; i++) {
            samples[i] = 1000 - i + 0.5; // unsorted on purpose, not integers
        }
        assertThat(LoadBenchmark.percentile(samples, 50)).isCloseTo(500.5, org.assertj.core.data.Percentage.withPercentage(0.1));
        assertThat(LoadBenchmark.percentile(samples, 99)).isCloseTo(990.5, org.assertj.core.data.Percentage.withPercentage(0.1));
        assertThat(LoadBenchmark.percentile(samples, 100)).isCloseTo(1000.5, org.assertj.core.data.Percentage.withPercentage(0.1));
        assertThat(LoadBenchmark.percentile(new double[] {7}, 99)).isCloseTo(7, org.assertj.core.data.Percentage.withPercentage(0.1));
        assertThat(LoadBenchmark.percentile(new double[] {-3, 2}, 50)).as("negative samples count as 0").isZero();
        assertThat(LoadBenchmark.percentiles(new double[0])).isEqualTo("no samples");
    }

    @Test
    void settingsDeriveTheAnswerTimeAndPollersAndRejectNonsense() {
        LoadBenchmark.Settings s = new LoadBenchmark.Settings(2, 3, 1, 1000, 200, 50, 101, 10, 0, -1, 0);
        assertThat(s.answerMillis()).isEqualTo(200 + 100 * 1000 / 50);
        assertThat(s.sessions()).isEqualTo(6);
        assertThat(s.effectivePollers()).isEqualTo(200);
        assertThat(LoadBenchmark.Settings.smoke().effectivePollers()).isEqualTo(8);
        assertThatThrownBy(() -> new LoadBenchmark.Settings(0, 1, 1, 1, 0, 1, 1, 1, 0, -1, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> s.withBatchSize(11)).isInstanceOf(IllegalArgumentException.class);
        assertThat(s.withBatchSize(1).batchSize()).isEqualTo(1);
    }

    @Test
    void theTurnWaitGrowsByAnAnswerPerTurnTheOtherSessionsCanQueueFirst() {
        // 20 sessions of 3 turns at once, one poller: 19 rounds of one record behind the first, or 1 of ten
        LoadBenchmark.Settings s = new LoadBenchmark.Settings(20, 1, 3, 20, 2000, 0, 1, 600, 1, -1, 0);
        assertThat(LoadBenchmark.turnTimeout(s, 1)).isEqualTo(Duration.ofMillis((1 + 19 * 3) * 2000 + 30_000));
        assertThat(LoadBenchmark.turnTimeout(s, 10)).isEqualTo(Duration.ofMillis((1 + 3) * 2000 + 30_000));
        // as many pollers as sessions (the default): the answer's length + 30 s
        assertThat(LoadBenchmark.turnTimeout(LoadBenchmark.Settings.smoke(), 10)).isEqualTo(Duration.ofMillis(
                LoadBenchmark.Settings.smoke().answerMillis() + 30_000));
    }

    @Test
    void theModesAreSubcommandsWithTheirOwnDefaults() {
        CommandLine cli = new CommandLine(new LoadBenchmark.Cli());
        CommandLine.ParseResult tier = cli.parseArgs("tier-ratio", "--users", "2");
        TierRatio.Cli t = (TierRatio.Cli) tier.subcommand().commandSpec().userObject();
        assertThat(t.users).isEqualTo(2);
        assertThat(t.turns).isEqualTo(4);
        assertThat(t.model.firstTokenMillis).isEqualTo(50);

        BatchSizes.Cli b = (BatchSizes.Cli) cli.parseArgs("batch-size").subcommand().commandSpec().userObject();
        assertThat(b.model.firstTokenMillis).isEqualTo(2000);
        assertThat(b.sessions).isEqualTo(20);

        InFlightHeap.Cli h = (InFlightHeap.Cli) cli.parseArgs("heap-in-flight", "--answer-tokens", "90")
                .subcommand().commandSpec().userObject();
        assertThat(h.model.answerTokens).isEqualTo(90);

        LoadBenchmark.Cli load = new LoadBenchmark.Cli();
        new CommandLine(load).parseArgs("--batch-size", "1");
        assertThat(load.load.batchSize).isEqualTo(1);
        assertThat(load.load.model.firstTokenMillis).isEqualTo(200);
        assertThat(load.functionLogs.shown).isFalse();

        Floor.Cli floor = (Floor.Cli) cli.parseArgs("floor", "--users", "3", "--function-logs").subcommand()
                .commandSpec().userObject();
        assertThat(floor.load.settings().users()).isEqualTo(3);
        assertThat(floor.load.settings().firstTokenMillis()).isEqualTo(200);
        assertThat(floor.functionLogs.shown).isTrue();
    }

    @Test
    void theTierRatioDividesThePerRequestMediansByTheTieredOnes() {
        var r = new TierRatio.Result(TierRatio.smoke(), new double[] {100, 300, 200}, new double[] {50, 40},
                new double[] {2000, 2200, 2100}, new double[] {2000, 2000}, 10, 0, new LocalStack.Compositions(6, 9000),
                6);
        // medians from an HdrHistogram of 3 significant digits: each within 0.1 %
        assertThat(r.firstRatio()).isCloseTo(2100.0 / 200, org.assertj.core.data.Percentage.withPercentage(0.2));
        assertThat(r.laterRatio()).isCloseTo(2000.0 / 40, org.assertj.core.data.Percentage.withPercentage(0.2));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        r.print(new PrintStream(out, true, StandardCharsets.UTF_8));
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("tier ratio: first turn 10.5×, later turns 50.0×",
                "6 compositions built, 1500 ms each");
    }

    @Test
    void heapPerTurnInFlightIsTheDifferenceOfTheMediansPerTurn() {
        var r = new InFlightHeap.Result(LoadBenchmark.Settings.smoke(), 10, 100,
                new long[] {50_000_000, 49_000_000, 52_000_000}, new long[] {61_000_000, 60_000_000, 70_000_000},
                new long[] {55_000_000, 54_000_000, 54_500_000}, 100);
        // the medians come from an HdrHistogram of 3 significant digits: each within 0.1 %
        assertThat(r.bytesPerTurn()).as("(61 MB - 50 MB) / 100").isCloseTo(110_000.0, within(1_200.0));
        assertThat(r.retainedBytesPerTurn()).as("(54.5 MB - 50 MB) / 100").isCloseTo(45_000.0, within(1_100.0));
    }
}
