package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.infra.bench.InitBenchmark;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The init benchmark at smoke size, so it keeps working: the message function (emulators, priming, restore hook, a
 * request of its real path) in two JVMs of its own, primed and not, two invocations each. Asserts what was measured,
 * never how fast.
 */
class InitBenchmarkSmokeIT {
    @Test
    void measuresAFunctionPrimedAndNotInJvmsOfItsOwn() {
        List<InitBenchmark.Row> rows = InitBenchmark.run(List.of("MessageFunction"), 2, 1, System.out);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        InitBenchmark.print(rows, 2, 1, new PrintStream(printed, true, StandardCharsets.UTF_8));
        System.out.println(printed.toString(StandardCharsets.UTF_8));

        assertThat(rows).singleElement().satisfies(r -> {
            InitBenchmark.Figures primed = r.primed();
            InitBenchmark.Figures unprimed = r.unprimed();
            assertThat(primed.function()).isEqualTo("MessageFunction");
            assertThat(primed.jvmMillis()).isPositive();
            assertThat(primed.initMillis()).isPositive();
            assertThat(primed.primingMillis()).as("beforeCheckpoint ran").isPositive();
            assertThat(primed.restoreMillis()).as("afterRestore ran").isNotNegative();
            assertThat(primed.firstMillis()).isPositive();
            assertThat(primed.warmMillis()).isPositive();
            assertThat(unprimed.primingMillis()).as("the hooks did not run").isEqualTo(-1);
            assertThat(unprimed.firstMillis()).isPositive();
        });
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("MessageFunction", "first unprimed");
    }

    @Test
    void everyOtherFunctionsProbeSucceedsInItsOwnJvm() {
        // each probe is a real request of the function's path (the operator's carries its route key)
        List<String> functions = List.of("AuthorizerFunction", "ConnectFunction", "DisconnectFunction",
                "WorkerFunction", "OperatorFunction");
        List<InitBenchmark.Row> rows = InitBenchmark.run(functions, 1, 1, System.out);
        assertThat(rows).extracting(r -> r.primed().function()).containsExactlyElementsOf(functions);
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.primed().firstMillis()).isPositive();
            assertThat(r.unprimed().firstMillis()).isPositive();
        });
    }
}
