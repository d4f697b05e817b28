package dev.switchboard.infra.bench;

import dev.switchboard.infra.LocalStack;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Heap per turn in flight (docs/performance.md): two waves of one turn per session, all sent at the same time to a slow
 * model. After the first wave (sessions, user caches, pools and the emulators' data in place) and the worker's queue
 * empty, used heap after {@code System.gc()} is sampled a few times ("before"); again while every turn of the second
 * wave streams (first delta seen, done not yet: "streaming"); and after the second wave ended ("after"), always with
 * the same connections open. (streaming - before) ÷ the turns in flight is the heap one streaming turn holds in this
 * JVM: the worker's turn (history, agent, model request, delta batcher, its virtual thread), the message function's
 * writes and the frames in transit, and the part of the turn's stored data written by then (its user message);
 * (after - before) ÷ turns is what an ended turn leaves behind in the emulators and the client.
 */
final class InFlightHeap {
    /** Heap samples after GC taken at each point. */
    private static final int SAMPLES = 3;

    private InFlightHeap() {}

    /** What a run measured (heap samples in bytes). */
    record Result(LoadBenchmark.Settings settings, int workerBatchSize, int inFlight, long[] before,
                  long[] streaming, long[] after, int answered) {
        double bytesPerTurn() {
            return (median(streaming) - median(before)) / inFlight;
        }

        double retainedBytesPerTurn() {
            return (median(after) - median(before)) / inFlight;
        }

        void print(PrintStream out) {
            LoadBenchmark.Settings s = settings;
            out.printf(Locale.ROOT, "%nSwitchboard heap per turn in flight (local stack, %d cores, Java %s)%n",
                    Runtime.getRuntime().availableProcessors(), Runtime.version());
            out.printf(Locale.ROOT, "  load      : 2 waves of %d turns at once (%d users x %d sessions, one turn each"
                            + " per wave), %d pollers, batch size %d; %d of the second wave answered%n", inFlight,
                    s.users(), s.sessionsPerUser(), s.effectivePollers(), workerBatchSize, answered);
            out.printf(Locale.ROOT, "  model     : bench, first token %d ms, %d tokens/s, %d tokens per answer"
                    + " (%d ms per answer)%n", s.firstTokenMillis(), s.tokensPerSecond(), s.answerTokens(),
                    s.answerMillis());
            out.printf(Locale.ROOT, "  heap after GC (MB): before %s, %d turns streaming %s, after %s%n",
                    megabytes(before), inFlight, megabytes(streaming), megabytes(after));
            out.printf(Locale.ROOT, "  heap per turn in flight: %.1f KB ((streaming - before) / %d, medians);"
                    + " left behind per ended turn: %.1f KB ((after - before) / %d)%n", bytesPerTurn() / 1e3,
                    inFlight, retainedBytesPerTurn() / 1e3, inFlight);
        }

        private static String megabytes(long[] samples) {
            return Arrays.stream(samples).mapToObj(b -> String.format(Locale.ROOT, "%.1f", b / 1e6))
                    .toList().toString();
        }
    }

    static double median(long[] samples) {
        return LoadBenchmark.percentile(Arrays.stream(samples).asDoubleStream().toArray(), 50);
    }

    /** Runs the two waves on a local stack of its own and samples the heap before, during and after the second. */
    static Result run(LoadBenchmark.Settings s, PrintStream log) {
        log.printf(Locale.ROOT, "starting the local stack (bench model, %d pollers)...%n", s.effectivePollers());
        try (LocalStack stack = LocalStack.start(LoadBenchmark.stackOptions(s));
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            HttpClient http = HttpClient.newBuilder().executor(threads).build();
            Duration turnTimeout = LoadBenchmark.turnTimeout(s, stack.workerBatchSize());
            List<String> users = new ArrayList<>();
            for (int u = 0; u < s.users(); u++) {
                users.add("heap-user-" + u);
            }
            List<BenchConnection> connections = LoadBenchmark.connectAll(threads, http, stack, users);
            int inFlight = s.sessions();
            log.printf(Locale.ROOT, "first wave: %d turns at once...%n", inFlight);
            List<Future<LoadBenchmark.SentTurn>> firstWave = new ArrayList<>();
            for (BenchConnection c : connections) {
                for (int k = 0; k < s.sessionsPerUser(); k++) {
                    firstWave.add(threads.submit(() -> LoadBenchmark.runTurn(c, null, "first wave", turnTimeout)));
                }
            }
            List<LoadBenchmark.SentTurn> sessions = new ArrayList<>();
            for (Future<LoadBenchmark.SentTurn> f : firstWave) {
                LoadBenchmark.SentTurn t = f.get(2 * turnTimeout.toMillis(), TimeUnit.MILLISECONDS);
                if (!t.done()) {
                    throw new IllegalStateException("a turn of the first wave was not answered in time");
                }
                sessions.add(t);
            }
            LoadBenchmark.awaitWorkerIdle(stack, turnTimeout);
            long[] before = samples();

            log.printf(Locale.ROOT, "second wave: %d turns at once, sampled while all stream...%n", inFlight);
            List<Future<LoadBenchmark.SentTurn>> secondWave = new ArrayList<>();
            for (LoadBenchmark.SentTurn session : sessions) {
                secondWave.add(threads.submit(() -> LoadBenchmark.runTurn(session.connection(), session.sessionId(),
                        "second wave", turnTimeout)));
            }
            long deadline = System.nanoTime() + turnTimeout.toNanos();
            while (streaming(connections) < inFlight) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + streaming(connections) + " of " + inFlight
                            + " turns streamed at the same time");
                }
                TimeUnit.MILLISECONDS.sleep(50);
            }
            long[] during = samples();
            if (streaming(connections) < inFlight) {
                throw new IllegalStateException("a turn ended while the heap was sampled: make the answers longer"
                        + " (--answer-tokens, --tokens-per-second)");
            }
            int answered = 0;
            for (Future<LoadBenchmark.SentTurn> f : secondWave) {
                answered += f.get(2 * turnTimeout.toMillis(), TimeUnit.MILLISECONDS).done() ? 1 : 0;
            }
            LoadBenchmark.awaitWorkerIdle(stack, turnTimeout);
            long[] after = samples();
            connections.forEach(BenchConnection::close);
            return new Result(s, stack.workerBatchSize(), inFlight, before, during, after, answered);
        } catch (Exception e) {
            throw LoadBenchmark.failed(e);
        }
    }

    private static long[] samples() {
        long[] heap = new long[SAMPLES];
        for (int i = 0; i < SAMPLES; i++) {
            heap[i] = LoadBenchmark.heapUsed();
        }
        return heap;
    }

    /** Turns whose first delta came and whose done did not, on these connections. */
    private static int streaming(List<BenchConnection> connections) {
        int n = 0;
        for (BenchConnection c : connections) {
            for (BenchConnection.TurnFrames f : c.turns.values()) {
                synchronized (f) {
                    n += f.firstDeltaNanos > 0 && f.doneNanos == 0 ? 1 : 0;
                }
            }
        }
        return n;
    }

    @Command(name = "heap-in-flight", mixinStandardHelpOptions = true,
            description = "Heap per turn in flight: used heap after GC while every session streams a turn, against"
                    + " before that wave (docs/performance.md).")
    static final class Cli implements Callable<Integer> {
        @CommandLine.Mixin
        FunctionLogs functionLogs = new FunctionLogs();

        @Option(names = "--users", description = "users, one connection each (default: ${DEFAULT-VALUE})")
        int users = 20;

        @Option(names = "--sessions-per-user", description = "sessions per user, one turn each per wave (default: ${DEFAULT-VALUE})")
        int sessionsPerUser = 5;

        @CommandLine.Mixin
        LoadBenchmark.ModelOptions model = new LoadBenchmark.ModelOptions(500, 2, 120);

        @Override
        public Integer call() {
            PrintStream out = functionLogs.report();
            LoadBenchmark.Settings s = new LoadBenchmark.Settings(users, sessionsPerUser, 2, users * sessionsPerUser,
                    model.firstTokenMillis, model.tokensPerSecond, model.answerTokens, 600, 0, -1, 0);
            Result r = run(s, out);
            r.print(out);
            return r.answered() == r.inFlight() ? 0 : 1;
        }
    }
}
