package dev.switchboard.infra.bench;

import dev.switchboard.infra.LocalStack;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Worker batch size 1 against 10 (docs/performance.md): the worker answers the records of different sessions in one
 * FIFO batch at the same time (in order inside a session), so an invocation that waits on a slow model serves up to a
 * batch of sessions at once. Two load runs with the same sessions and turns, each on its own local stack with one
 * poller, so that all concurrency comes from batching; prints both reports and the turns/s of each.
 */
final class BatchSizes {
    private BatchSizes() {}

    /** The two runs. */
    record Result(LoadBenchmark.Report single, LoadBenchmark.Report full) {
        double ratio() {
            return full.turnsPerSecond() / single.turnsPerSecond();
        }

        void print(PrintStream out) {
            single.print(out);
            full.print(out);
            out.printf(Locale.ROOT, "%nbatch size %d: %.2f turns/s, batch size %d: %.2f turns/s, ratio %.1f×%n",
                    single.workerBatchSize(), single.turnsPerSecond(), full.workerBatchSize(), full.turnsPerSecond(),
                    ratio());
            out.printf(Locale.ROOT,
                    "turns per worker invocation of the turns queue (memory jobs: their own queue): %.2f and %.2f%n",
                    turnsPerInvocation(single), turnsPerInvocation(full));
        }

        private static double turnsPerInvocation(LoadBenchmark.Report r) {
            return r.workerInvocations() == 0 ? 0 : (double) r.turnsAnswered() / r.workerInvocations();
        }
    }

    static Result run(LoadBenchmark.Settings s, PrintStream log) {
        log.printf(Locale.ROOT, "batch size 1...%n");
        LoadBenchmark.Report single = LoadBenchmark.run(s.withBatchSize(1), log);
        log.printf(Locale.ROOT, "batch size %d...%n", LocalStack.MAX_BATCH_SIZE);
        LoadBenchmark.Report full = LoadBenchmark.run(s.withBatchSize(LocalStack.MAX_BATCH_SIZE), log);
        return new Result(single, full);
    }

    @Command(name = "batch-size", mixinStandardHelpOptions = true,
            description = "Turns/s with worker batch size 1 against 10, one poller, a slow model (docs/performance.md).")
    static final class Cli implements Callable<Integer> {
        @CommandLine.Mixin
        FunctionLogs functionLogs = new FunctionLogs();

        @Option(names = "--sessions", description = "sessions, one user each, all at once (default: ${DEFAULT-VALUE})")
        int sessions = 20;

        @Option(names = "--turns-per-session", description = "turns per session (default: ${DEFAULT-VALUE})")
        int turns = 3;

        @Option(names = "--seconds", description = "no new turn after this many seconds (default: ${DEFAULT-VALUE})")
        int seconds = 600;

        @CommandLine.Mixin
        LoadBenchmark.ModelOptions model = new LoadBenchmark.ModelOptions(2000, 1000, 20);

        @Override
        public Integer call() {
            PrintStream out = functionLogs.report();
            Result r = run(new LoadBenchmark.Settings(sessions, 1, turns, sessions, model.firstTokenMillis,
                    model.tokensPerSecond, model.answerTokens, seconds, 1, -1, 0), out);
            r.print(out);
            return r.single().clean() && r.full().clean() ? 0 : 1;
        }
    }
}
