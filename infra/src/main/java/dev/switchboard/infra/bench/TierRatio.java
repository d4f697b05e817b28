package dev.switchboard.infra.bench;

import dev.switchboard.infra.LocalStack;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The tier ratio (docs/performance.md): what the worker's three tiers (global resources built once per process, a
 * per-user knowledge cache, per-request state) save against building everything per request, for a user's first turn
 * and for the later ones. One local stack, one run, two modes taken in turn user by user: <b>tiered</b>, the worker
 * as deployed (composition built at start, user cache warm after a user's first turn), and <b>per request</b>, where
 * the stack builds the worker's whole composition root for every invocation ({@link LocalStack#composeWorkerPerInvocation}:
 * SDK clients, stores, model catalog, tool registry, its own copy of the embedding model, a fresh user cache) and
 * closes it after. Each user runs one session of {@code turnsPerSession} turns, one turn at a time, and the next turn
 * waits until the worker's queue is empty (the turn's memory job done), so every turn is measured alone. A turn's
 * platform time is send → done minus the bench model's fixed answer time.
 */
public final class TierRatio {
    private TierRatio() {}

    /** The two ways the worker is built. */
    enum Mode {
        TIERED("three tiers"), PER_REQUEST("per request");

        final String label;

        Mode(String label) {
            this.label = label;
        }
    }

    /**
     * What a run measured: platform milliseconds per turn by mode, of users' first and later turns.
     *
     * @param compositions          worker compositions built per invocation in the measured per-request turns
     * @param perRequestInvocations worker invocations in the measured per-request turns (turns and memory jobs)
     */
    public record Result(LoadBenchmark.Settings settings, double[] tieredFirst, double[] tieredLater,
                  double[] perRequestFirst, double[] perRequestLater, int turnsSent, int lost,
                  LocalStack.Compositions compositions, long perRequestInvocations) {
        public double firstRatio() {
            return median(perRequestFirst) / median(tieredFirst);
        }

        public double laterRatio() {
            return median(perRequestLater) / median(tieredLater);
        }

        public void print(PrintStream out) {
            LoadBenchmark.Settings s = settings;
            out.printf(Locale.ROOT, "%nSwitchboard tier ratio (local stack, %d cores, Java %s)%n",
                    Runtime.getRuntime().availableProcessors(), Runtime.version());
            out.printf(Locale.ROOT, "  load      : %d users per mode x 1 session x %d turns, one turn at a time,"
                    + " worker idle between turns; %d turns sent, %d lost%n", s.users(), s.turnsPerSession(),
                    turnsSent, lost);
            out.printf(Locale.ROOT, "  model     : bench, %d ms per answer (subtracted: platform time = send -> done"
                    + " - %d ms)%n", s.answerMillis(), s.answerMillis());
            out.printf(Locale.ROOT, "  per request: %d worker invocations (turns and memory jobs), %d compositions"
                            + " built, %.0f ms each on average%n", perRequestInvocations, compositions.count(),
                    compositions.count() == 0 ? 0.0 : (double) compositions.millis() / compositions.count());
            out.printf(Locale.ROOT, "  platform time per turn, median (n)   first turn         later turns%n");
            for (Mode m : Mode.values()) {
                double[] first = m == Mode.TIERED ? tieredFirst : perRequestFirst;
                double[] later = m == Mode.TIERED ? tieredLater : perRequestLater;
                out.printf(Locale.ROOT, "    %-32s %9.1f ms (%d) %10.1f ms (%d)%n", m.label, median(first),
                        first.length, median(later), later.length);
            }
            out.printf(Locale.ROOT, "  tier ratio: first turn %.1f×, later turns %.1f×%n", firstRatio(), laterRatio());
        }
    }

    static double median(double[] samples) {
        return samples.length == 0 ? Double.NaN : LoadBenchmark.percentile(samples, 50);
    }

    /** The smoke size (CI): one user per mode, two turns, fast model. */
    public static LoadBenchmark.Settings smoke() {
        return settings(1, 2, 50, 1000, 20);
    }

    static LoadBenchmark.Settings settings(int users, int turns, long firstTokenMillis, int tokensPerSecond,
                                           int answerTokens) {
        return new LoadBenchmark.Settings(users, 1, turns, 1, firstTokenMillis, tokensPerSecond, answerTokens, 600, 1,
                -1, 1);
    }

    /** Runs both modes on one local stack of its own and returns what they measured. */
    public static Result run(LoadBenchmark.Settings s, PrintStream log) {
        log.printf(Locale.ROOT, "starting the local stack (bench model, tier ratio)...%n");
        try (LocalStack stack = LocalStack.start(LoadBenchmark.stackOptions(s));
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            HttpClient http = HttpClient.newBuilder().executor(threads).build();
            Duration turnTimeout = LoadBenchmark.turnTimeout(s, stack.workerBatchSize());
            for (Mode m : Mode.values()) { // the first use of either path is not measured
                userTurns(stack, http, m, "tier-warmup-" + m, 1, s, turnTimeout);
            }
            List<List<Double>> tiered = new ArrayList<>();
            List<List<Double>> perRequest = new ArrayList<>();
            LocalStack.Compositions before = stack.workerCompositions();
            long perRequestInvocations = 0;
            for (int u = 0; u < s.users(); u++) {
                log.printf(Locale.ROOT, "user %d of %d, both modes...%n", u + 1, s.users());
                tiered.add(userTurns(stack, http, Mode.TIERED, "tier-tiered-" + u, s.turnsPerSession(), s,
                        turnTimeout));
                // both event sources: a turn's memory job runs on the user-data queue's, composed per invocation too
                long invocations = stack.workerInvocations() + stack.userDataInvocations();
                perRequest.add(userTurns(stack, http, Mode.PER_REQUEST, "tier-per-request-" + u,
                        s.turnsPerSession(), s, turnTimeout));
                perRequestInvocations += stack.workerInvocations() + stack.userDataInvocations() - invocations;
            }
            LocalStack.Compositions after = stack.workerCompositions();
            int sent = 2 * s.users() * s.turnsPerSession();
            int answered = (int) (tiered.stream().mapToLong(List::size).sum()
                    + perRequest.stream().mapToLong(List::size).sum());
            return new Result(s, first(tiered), later(tiered), first(perRequest), later(perRequest), sent,
                    sent - answered,
                    new LocalStack.Compositions(after.count() - before.count(), after.millis() - before.millis()),
                    perRequestInvocations);
        } catch (Exception e) {
            throw LoadBenchmark.failed(e);
        }
    }

    private static double[] first(List<List<Double>> byUser) {
        return byUser.stream().filter(t -> !t.isEmpty()).mapToDouble(t -> t.get(0)).toArray();
    }

    private static double[] later(List<List<Double>> byUser) {
        return byUser.stream().flatMap(t -> t.stream().skip(1)).mapToDouble(Double::doubleValue).toArray();
    }

    /**
     * One user's session in {@code mode}: its turns one at a time, each after the worker's queue is empty. Returns the
     * platform milliseconds of the answered turns, in order; the session stops at a turn not answered in time.
     */
    private static List<Double> userTurns(LocalStack stack, HttpClient http, Mode mode, String user, int turns,
                                          LoadBenchmark.Settings s, Duration turnTimeout) throws InterruptedException {
        stack.composeWorkerPerInvocation(mode == Mode.PER_REQUEST);
        List<Double> millis = new ArrayList<>();
        try (BenchConnection c = LoadBenchmark.connect(http, stack, user)) {
            String sessionId = null;
            for (int t = 0; t < turns; t++) {
                LoadBenchmark.SentTurn sent = LoadBenchmark.runTurn(c, sessionId, "turn " + (t + 1), turnTimeout);
                LoadBenchmark.awaitWorkerIdle(stack, turnTimeout);
                if (!sent.done()) {
                    break;
                }
                LoadBenchmark.Turn turn = sent.turn();
                millis.add((turn.doneNanos() - turn.sendNanos()) / 1e6 - s.answerMillis());
                sessionId = sent.sessionId();
            }
        } finally {
            stack.composeWorkerPerInvocation(false);
        }
        return millis;
    }

    @Command(name = "tier-ratio", mixinStandardHelpOptions = true,
            description = "The three tiers against a worker composition built per request, for a user's first and"
                    + " later turns, in one run (docs/performance.md).")
    static final class Cli implements Callable<Integer> {
        @CommandLine.Mixin
        FunctionLogs functionLogs = new FunctionLogs();

        @Option(names = "--users", description = "users per mode, one session each (default: ${DEFAULT-VALUE})")
        int users = 5;

        @Option(names = "--turns-per-session", description = "turns per user (default: ${DEFAULT-VALUE})")
        int turns = 4;

        @CommandLine.Mixin
        LoadBenchmark.ModelOptions model = new LoadBenchmark.ModelOptions(50, 1000, 20);

        @Override
        public Integer call() {
            PrintStream out = functionLogs.report();
            Result r = run(settings(users, turns, model.firstTokenMillis, model.tokensPerSecond, model.answerTokens),
                    out);
            r.print(out);
            return r.lost() == 0 ? 0 : 1;
        }
    }
}
