package dev.switchboard.infra.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;

/**
 * Switchboard against its floor ({@link FloorPath}, issue 14): the same load on the same local stack in one run and
 * JVM, Switchboard first, then the floor once the worker's queue is empty; prints both reports and Switchboard's
 * figures divided by the floor's: send → accepted p50, overhead to first delta p50, turns/s and CPU per turn (the
 * process's CPU time over the measured window / turns answered), and issue 14's targets with the figures this run
 * measured ({@link Result#targets}).
 */
public final class Floor {
    private Floor() {}

    /** The two runs. */
    public record Result(LoadBenchmark.Report switchboard, LoadBenchmark.Report floor) {
        /** Switchboard's figure / the floor's, by name, in print order. */
        public Map<String, Double> ratios() {
            Map<String, Double> r = new LinkedHashMap<>();
            r.put("send -> accepted p50", ratio(p50(switchboard.acceptedMillis()), p50(floor.acceptedMillis())));
            r.put("overhead to first delta p50",
                    ratio(p50(switchboard.overheadMillis()), p50(floor.overheadMillis())));
            r.put("turns/s", ratio(switchboard.turnsPerSecond(), floor.turnsPerSecond()));
            r.put("CPU per turn", ratio(switchboard.cpuSecondsPerTurn(), floor.cpuSecondsPerTurn()));
            r.put("DynamoDB wait per turn", ratio(switchboard.dynamoWaitMillisPerTurn(),
                    floor.dynamoWaitMillisPerTurn()));
            return r;
        }

        /**
         * One of issue 14's targets: its measured figure, the goal, whether it is met, and why the design does not
         * reach it where it does not (the design's minimum for the figure; printed only when not met).
         */
        public record Target(String name, double measured, String unit, boolean atMost, double goal,
                             String unmetBecause) {
            public boolean met() {
                return !Double.isNaN(measured) && (atMost ? measured <= goal : measured >= goal);
            }
        }

        /** The design's fewest DynamoDB requests for a turn of this run's load (see {@link DesignMinimum}). */
        public DesignMinimum designMinimum() {
            LoadBenchmark.Settings load = switchboard.settings();
            long streamMillis = load.firstTokenMillis() + load.answerTokens() * 1000L / load.tokensPerSecond();
            return DesignMinimum.of(streamMillis,
                    Long.parseLong(dev.switchboard.config.Setting.CANCEL_POLL_MILLIS.defaultValue()),
                    switchboard.perTurn(switchboard.workerInvocations()));
        }

        /**
         * What bounds the latency and throughput targets on this stack: both runs share one JVM and its cores with
         * DynamoDB Local, so what a DynamoDB request costs in CPU (the two runs' CPU difference over their requests'
         * difference) bounds the turns per second the design's fewest requests allow.
         */
        public record Bound(int cores, double coresBusy, double cpuMillisPerRequest, double minimumCpuMillis,
                            double turnsPerSecond, double waitMillisPerRequest, double requestsPerSecond,
                            double floorWaitMillisPerRequest, double floorRequestsPerSecond) {
            public String explain(double minimumRequests) {
                return String.format(Locale.ROOT, "The run kept %.1f of the %d cores busy (turns/s x CPU per turn), "
                        + "and each DynamoDB request costs ~%.1f ms of CPU here (DynamoDB Local and the SDKs, in one "
                        + "JVM: the two runs' CPU difference over their requests' difference); at the design's %.1f "
                        + "requests a turn that is ~%.0f ms a turn, at most %.1f turns/s on %d cores. Each request "
                        + "waited %.0f ms for its answer at %.0f/s (the floor's: %.0f ms at %.0f/s), a wait every "
                        + "latency above carries.", coresBusy, cores, cpuMillisPerRequest, minimumRequests,
                        minimumCpuMillis, turnsPerSecond, cores, waitMillisPerRequest, requestsPerSecond,
                        floorWaitMillisPerRequest, floorRequestsPerSecond);
            }
        }

        public Bound bound() {
            LoadBenchmark.Report s = switchboard;
            int cores = Runtime.getRuntime().availableProcessors();
            double floorRequests = floor.perTurn(floor.calls().total("DynamoDb."));
            double cpuPerRequest = (s.cpuSecondsPerTurn() - floor.cpuSecondsPerTurn())
                    / (s.perTurn(s.calls().total("DynamoDb.")) - floorRequests);
            double minimumCpu = floor.cpuSecondsPerTurn() + (designMinimum().total() - floorRequests) * cpuPerRequest;
            return new Bound(cores, s.turnsPerSecond() * s.cpuSecondsPerTurn(), cpuPerRequest * 1000,
                    minimumCpu * 1000, cores / minimumCpu, s.dynamoWaitMillisPerRequest(),
                    s.dynamoRequestsPerSecond(), floor.dynamoWaitMillisPerRequest(), floor.dynamoRequestsPerSecond());
        }

        /**
         * Issue 14's targets for this load, measured in this run (the storage figures count every request the
         * functions' clients made; the latency and throughput ones are this machine's), each unmet one with the
         * design's minimum and the reason.
         */
        public List<Target> targets() {
            LoadBenchmark.Report s = switchboard;
            LoadBenchmark.CriticalPath path = s.criticalPath();
            Map<String, Double> r = ratios();
            DesignMinimum min = designMinimum();
            Bound bound = bound();
            String stack = String.format(Locale.ROOT, "%.1f of %d cores busy; at the design's minimum, ~%.0f ms of CPU "
                    + "a turn allow at most %.1f turns/s here (see below)", bound.coresBusy(), bound.cores(),
                    bound.minimumCpuMillis(), bound.turnsPerSecond());
            List<Target> t = new ArrayList<>();
            t.add(new Target("DynamoDB requests per turn", s.perTurn(s.calls().total("DynamoDb.")), "", true, 8,
                    String.format(Locale.ROOT, "the design's minimum is %.1f for this answer (steps below)",
                            min.total())));
            t.add(new Target("DynamoDB before accepted (p50)", path.measured()
                    ? LoadBenchmark.CriticalPath.p50(path.beforeAccepted()) : Double.NaN, "", true, 3,
                    String.format(Locale.ROOT, "the design's minimum is %.0f",
                            min.of(DesignMinimum.Part.MESSAGE_BEFORE_ACCEPTED))));
            t.add(new Target("DynamoDB in the worker before the first delta (p50)", path.measured()
                    ? LoadBenchmark.CriticalPath.p50(path.workerBeforeFirstDelta()) : Double.NaN, "", true, 2,
                    String.format(Locale.ROOT, "the design's minimum is %.0f: four items of four tables (steps "
                            + "below)", min.of(DesignMinimum.Part.WORKER_BEFORE_FIRST_DELTA))));
            t.add(new Target("send -> accepted p50 / floor", r.get("send -> accepted p50"), "x", true, 1.5, stack));
            t.add(new Target("first delta overhead p50 / floor", r.get("overhead to first delta p50"), "x", true,
                    1.5, stack));
            t.add(new Target("turns/s / floor", r.get("turns/s"), "x", false, 1 / 1.5, stack));
            t.add(new Target("CPU per turn / floor", r.get("CPU per turn"), "x", true, 1.5, stack));
            double floorCost = floor.costPer1000Turns().values().stream().mapToDouble(Double::doubleValue).sum();
            t.add(new Target("cost per 1,000 turns, counted (USD)",
                    s.costPer1000Turns().values().stream().mapToDouble(Double::doubleValue).sum(), "", true, 0.05,
                    String.format(Locale.ROOT, "the floor's own path costs $%.3f here (worker duration while "
                            + "the model streams, and its two requests)", floorCost)));
            t.add(new Target("send -> accepted p50", p50(s.acceptedMillis()), "ms", true, 150, stack));
            t.add(new Target("overhead to first delta p50", p50(s.overheadMillis()), "ms", true, 400, stack));
            t.add(new Target("turns/s", s.turnsPerSecond(), "", false, 40, stack));
            return t;
        }

        public void print(PrintStream out) {
            out.printf(Locale.ROOT, "%n=== Switchboard ===");
            switchboard.print(out);
            out.printf(Locale.ROOT, "%n=== the floor (gateway -> 1 conditional PutItem + 1 SendMessage -> poller -> "
                    + "deltas -> 1 PutItem) ===");
            floor.print(out);
            out.printf(Locale.ROOT, "%nSwitchboard / floor (same load, same stack, same run):%n");
            out.printf(Locale.ROOT, "    %-30s %12s %12s %8s%n", "", "Switchboard", "floor", "ratio");
            Map<String, Double> ratios = ratios();
            row(out, "send -> accepted p50", p50(switchboard.acceptedMillis()), p50(floor.acceptedMillis()), "ms",
                    ratios);
            row(out, "overhead to first delta p50", p50(switchboard.overheadMillis()), p50(floor.overheadMillis()),
                    "ms", ratios);
            row(out, "turns/s", switchboard.turnsPerSecond(), floor.turnsPerSecond(), "", ratios);
            row(out, "CPU per turn", switchboard.cpuSecondsPerTurn() * 1000, floor.cpuSecondsPerTurn() * 1000,
                    "ms", ratios);
            row(out, "DynamoDB wait per turn", switchboard.dynamoWaitMillisPerTurn(),
                    floor.dynamoWaitMillisPerTurn(), "ms", ratios);
            out.printf(Locale.ROOT, "%nIssue 14's targets at this load (Switchboard, this run):%n");
            for (Target t : targets()) {
                out.printf(Locale.ROOT, "    %-52s %9.3f%-2s %s %7.3f%-2s %s%n", t.name(), t.measured(), t.unit(),
                        t.atMost() ? "<=" : ">=", t.goal(), t.unit(), t.met() ? "met" : "not met");
                if (!t.met()) {
                    out.printf(Locale.ROOT, "        why: %s%n", t.unmetBecause());
                }
            }
            DesignMinimum min = designMinimum();
            out.printf(Locale.ROOT, "%nWhat bounds the latency and throughput here: %s%n",
                    bound().explain(min.total()));
            out.printf(Locale.ROOT, "%nThe design's fewest DynamoDB requests for a later turn of this load "
                    + "(%.1f in all; the measured figures above count the sessions' first turns too):%n", min.total());
            for (DesignMinimum.Step step : min.steps()) {
                out.printf(Locale.ROOT, "    %-26s %-30s %5.2f  %s%n", step.part().name().toLowerCase(Locale.ROOT)
                        .replace('_', ' '), step.request(), step.requests(), step.why());
            }
        }

        private static void row(PrintStream out, String name, double a, double b, String unit,
                                Map<String, Double> ratios) {
            out.printf(Locale.ROOT, "    %-30s %9.1f %-2s %9.1f %-2s %7.2fx%n", name, a, unit, b, unit,
                    ratios.get(name));
        }
    }

    static double p50(double[] millis) {
        return millis.length == 0 ? Double.NaN : LoadBenchmark.percentile(millis, 50);
    }

    /** {@code a / b}; NaN when either is unknown or b is 0. */
    static double ratio(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) || b == 0 ? Double.NaN : a / b;
    }

    public static Result run(LoadBenchmark.Settings s, PrintStream log) {
        var reports = LoadBenchmark.runAll(s, log, true);
        return new Result(reports.get(0), reports.get(1));
    }

    @Command(name = "floor", mixinStandardHelpOptions = true,
            description = "The same load against Switchboard and against a minimal path on the same stack, in one run;"
                    + " prints Switchboard's figures divided by the floor's (docs/performance.md).")
    static final class Cli extends LoadBenchmark.LoadCommand {
        @Override
        boolean runAndPrint(LoadBenchmark.Settings s, PrintStream out) {
            Result r = run(s, out);
            r.print(out);
            return r.switchboard().clean() && r.floor().clean();
        }
    }
}
