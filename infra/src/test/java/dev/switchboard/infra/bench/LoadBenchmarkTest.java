package dev.switchboard.infra.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.infra.LocalStack;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

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
        assertThat(load.batchSize).isEqualTo(1);
        assertThat(load.model.firstTokenMillis).isEqualTo(200);
    }

    @Test
    void theTierRatioDividesThePerRequestMediansByTheTieredOnes() {
        var r = new TierRatio.Result(TierRatio.smoke(), new double[] {100, 300, 200}, new double[] {50, 40},
                new double[] {2000, 2200, 2100}, new double[] {2000, 2000}, 10, 0, new LocalStack.Compositions(6, 9000),
                6);
        assertThat(r.firstRatio()).isEqualTo(2100.0 / 200);
        assertThat(r.laterRatio()).isEqualTo(2000.0 / 40);
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
        assertThat(r.bytesPerTurn()).as("(61 MB - 50 MB) / 100").isEqualTo(110_000.0);
        assertThat(r.retainedBytesPerTurn()).as("(54.5 MB - 50 MB) / 100").isEqualTo(45_000.0);
    }
}
