package dev.switchboard.infra.bench;

import dev.switchboard.config.Setting;
import dev.switchboard.infra.LocalStack;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.HdrHistogram.DoubleHistogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The load benchmark (issue 5): starts a local stack in this JVM whose only model is the bench model (a clock with a
 * set time to first token and token rate, so the platform is measured, not a model) and whose AWS clients count every
 * request, opens one authenticated WebSocket connection per user, runs {@code users × sessionsPerUser} sessions of
 * {@code turnsPerSession} turns each, at most {@code concurrency} sessions at a time, and reports latency, throughput,
 * CPU, heap, correctness (lost, duplicated, misdelivered) and AWS calls and cost per turn. Localhost only; every
 * wait is bounded and the run stops by itself after {@code seconds} (plus the turns in flight). Its subcommands compare
 * two configurations in one run: {@link TierRatio} (the three tiers against a composition per request),
 * {@link BatchSizes} (worker batch size 1 against 10 with a slow model) and {@link InFlightHeap} (heap per turn in
 * flight).
 */
public final class LoadBenchmark {
    private LoadBenchmark() {}

    static final String MESSAGE_FUNCTION = "MessageFunction";
    static final String WORKER_FUNCTION = "WorkerFunction";

    /**
     * @param pollers           event-source pollers (each hands up to 10 turns to one worker invocation and waits
     *                          for it, as one Lambda instance); 0: one per concurrent session, at most 200, as Lambda
     *                          scales a FIFO source by message group
     * @param deltaFlushMillis  DELTA_FLUSH_MILLIS of the worker; -1: the worker's default
     * @param batchSize         records per worker invocation at most, 1 to 10; 0: template.yaml's (10)
     */
    public record Settings(int users, int sessionsPerUser, int turnsPerSession, int concurrency, long firstTokenMillis,
                           int tokensPerSecond, int answerTokens, int seconds, int pollers, int deltaFlushMillis,
                           int batchSize) {
        public Settings {
            if (users < 1 || sessionsPerUser < 1 || turnsPerSession < 1 || concurrency < 1 || seconds < 1
                    || answerTokens < 1 || firstTokenMillis < 0 || batchSize < 0
                    || batchSize > LocalStack.MAX_BATCH_SIZE) {
                throw new IllegalArgumentException("users, sessions, turns, concurrency, seconds, answer tokens "
                        + "must be >= 1, first-token delay >= 0, batch size 0 to " + LocalStack.MAX_BATCH_SIZE);
            }
        }

        /** The CI size: 4 users × 2 sessions × 2 turns with a fast model. */
        public static Settings smoke() {
            return new Settings(4, 2, 2, 8, 50, 1000, 20, 30, 0, -1, 0);
        }

        /** These settings with another worker batch size. */
        public Settings withBatchSize(int records) {
            return new Settings(users, sessionsPerUser, turnsPerSession, concurrency, firstTokenMillis,
                    tokensPerSecond, answerTokens, seconds, pollers, deltaFlushMillis, records);
        }

        int sessions() {
            return users * sessionsPerUser;
        }

        int effectivePollers() {
            return pollers > 0 ? pollers : Math.max(2, Math.min(200, concurrency));
        }

        /** How long the model streams one answer. */
        long answerMillis() {
            return firstTokenMillis + (tokensPerSecond > 0 ? (answerTokens - 1) * 1000L / tokensPerSecond : 0);
        }
    }

    /**
     * The DynamoDB requests on a turn's critical path, measured from the functions' log context: each message-function
     * invocation's (all of them come before its {@code accepted}; a session's first message also creates the
     * session) and the worker's for each answered turn before its first delta reached the client (-1 entries: turns
     * whose worker logs no turn id, as the floor's).
     */
    public record CriticalPath(long[] beforeAccepted, long[] workerBeforeFirstDelta) {
        static double p50(long[] v) {
            if (v.length == 0) {
                return 0;
            }
            long[] sorted = v.clone();
            java.util.Arrays.sort(sorted);
            return sorted[(sorted.length - 1) / 2];
        }

        static double mean(long[] v) {
            return java.util.Arrays.stream(v).average().orElse(0);
        }

        boolean measured() {
            return beforeAccepted.length > 0 && workerBeforeFirstDelta.length > 0;
        }
    }

    /** One turn as its sending connection saw it (nanoTime stamps; 0 = never). */
    record Turn(String turnId, long sendNanos, long acceptedNanos, long firstDeltaNanos, long doneNanos, int deltas,
                boolean consistent, boolean duplicateReply, String error) {
        boolean answered() {
            return doneNanos > 0;
        }
    }

    /** What a run measured. Latencies in milliseconds. */
    public record Report(Settings settings, int workerBatchSize, int connections, int sessionsRun, int turnsSent,
                         int turnsAnswered, int lost, int duplicated, long misdelivered, int inconsistent, long late,
                         double wallSeconds,
                         double[] overheadMillis, double[] acceptedMillis, double[] turnMillis,
                         double streamingSeconds, double cpuSeconds, long heapAfterInit, long heapAfterRun,
                         long workerInvocations, long clientMessages, long messageUnits,
                         AwsCallCounter.Counts calls, InvocationDurations.Totals durations, int messageMemoryMb,
                         int workerMemoryMb, CriticalPath criticalPath, String note) {
        public double turnsPerSecond() {
            return turnsAnswered / wallSeconds;
        }

        /** Nothing lost, duplicated, misdelivered or out of sequence. */
        public boolean clean() {
            return lost == 0 && duplicated == 0 && misdelivered == 0 && inconsistent == 0;
        }

        /** The process's CPU time over the measured window per turn answered. */
        public double cpuSecondsPerTurn() {
            return turnsAnswered == 0 ? 0 : cpuSeconds / turnsAnswered;
        }

        /** The DynamoDB requests the functions made per second of the run (the emulator's served rate). */
        public double dynamoRequestsPerSecond() {
            return calls.total("DynamoDb.") / wallSeconds;
        }

        /** The mean milliseconds a DynamoDB request waited for its response. */
        public double dynamoWaitMillisPerRequest() {
            long n = calls.total("DynamoDb.");
            return n == 0 ? Double.NaN : calls.waitMillis("DynamoDb.") / n;
        }

        /** The milliseconds the functions' clients waited for DynamoDB's responses, summed over a turn's requests. */
        public double dynamoWaitMillisPerTurn() {
            return turnsAnswered == 0 ? Double.NaN : calls.waitMillis("DynamoDb.") / turnsAnswered;
        }

        public double perTurn(long count) {
            return turnsAnswered == 0 ? 0 : (double) count / turnsAnswered;
        }

        long functionTotal(String prefix) {
            return calls.byFunction().entrySet().stream().filter(e -> e.getKey().startsWith(prefix))
                    .mapToLong(Map.Entry::getValue).sum();
        }

        public long postToConnection() {
            return calls.of("ApiGatewayManagementApi.PostToConnection");
        }

        public double postsPerStreamingSecond() {
            return streamingSeconds == 0 ? 0 : postToConnection() / streamingSeconds;
        }

        /** Cost per 1,000 turns by item, US dollars (see {@link Prices} and docs/performance.md). */
        public Map<String, Double> costPer1000Turns() {
            Map<String, Double> cost = new LinkedHashMap<>();
            double k = turnsAnswered == 0 ? 0 : 1000.0 / turnsAnswered;
            boolean measured = calls.capacityReports() > 0;
            double writeUnits = measured ? calls.writeUnits() : writes(calls);
            double readUnits = measured ? calls.readUnits() : calls.total("DynamoDb.") - writes(calls);
            cost.put("DynamoDB write units", k * writeUnits * Prices.DYNAMODB_WRITE_UNIT);
            cost.put("DynamoDB read units", k * readUnits * Prices.DYNAMODB_READ_UNIT);
            cost.put("SQS requests", k * (calls.total("Sqs.")
                    + Prices.EVENT_SOURCE_REQUESTS_PER_BATCH * workerInvocations) * Prices.SQS_FIFO_REQUEST);
            cost.put("API Gateway messages", k * messageUnits * Prices.APIGW_MESSAGE);
            cost.put("API Gateway connection minutes",
                    k * connections * wallSeconds / 60 * Prices.APIGW_CONNECTION_MINUTE);
            cost.put("Lambda requests", k * (clientMessages + workerInvocations
                    + (long) Prices.INVOCATIONS_PER_CONNECTION * connections) * Prices.LAMBDA_REQUEST);
            cost.put("Lambda GB-seconds (message, counted)",
                    k * durations.seconds(MESSAGE_FUNCTION) * messageMemoryMb / 1024.0 * Prices.LAMBDA_GB_SECOND);
            cost.put("Lambda GB-seconds (worker, counted)",
                    k * durations.seconds(WORKER_FUNCTION) * workerMemoryMb / 1024.0 * Prices.LAMBDA_GB_SECOND);
            return cost;
        }

        /**
         * The old upper bounds of the two Lambda duration items, per 1,000 turns: the message function as if it ran
         * send → accepted, the worker as if each turn had an invocation of its own from send to done.
         */
        public Map<String, Double> durationUpperBoundsPer1000Turns() {
            double k = turnsAnswered == 0 ? 0 : 1000.0 / turnsAnswered;
            return Map.of("Lambda GB-seconds (message, counted)",
                    k * sum(acceptedMillis) / 1000 * messageMemoryMb / 1024.0 * Prices.LAMBDA_GB_SECOND,
                    "Lambda GB-seconds (worker, counted)",
                    k * sum(turnMillis) / 1000 * workerMemoryMb / 1024.0 * Prices.LAMBDA_GB_SECOND);
        }

        private static long writes(AwsCallCounter.Counts c) {
            return c.of("DynamoDb.PutItem") + c.of("DynamoDb.UpdateItem") + c.of("DynamoDb.DeleteItem")
                    + c.of("DynamoDb.BatchWriteItem") + 2 * c.of("DynamoDb.TransactWriteItems");
        }

        public void print(PrintStream out) {
            Settings s = settings;
            out.printf(Locale.ROOT, "%nSwitchboard load benchmark (local stack, %d cores, Java %s)%n",
                    Runtime.getRuntime().availableProcessors(), Runtime.version());
            out.printf(Locale.ROOT, "  load      : %d users x %d sessions x %d turns, %d concurrent sessions, "
                            + "%d connections, %d pollers, batch size %d%n", s.users(), s.sessionsPerUser(),
                    s.turnsPerSession(), s.concurrency(), connections, s.effectivePollers(), workerBatchSize);
            out.printf(Locale.ROOT, "  model     : bench, first token %d ms, %d tokens/s, %d tokens per answer"
                    + " (%d ms per answer)%n", s.firstTokenMillis(), s.tokensPerSecond(), s.answerTokens(),
                    s.answerMillis());
            out.printf(Locale.ROOT, "  run       : %.1f s, %d sessions, %d turns sent, %d answered, %.1f turns/s%n",
                    wallSeconds, sessionsRun, turnsSent, turnsAnswered, turnsPerSecond());
            out.printf(Locale.ROOT, "  integrity : lost %d, duplicated %d, misdelivered frames %d, "
                    + "inconsistent seq %d; answered later than the per-turn wait: %d%n", lost, duplicated,
                    misdelivered, inconsistent, late);
            out.printf(Locale.ROOT, "  overhead to first delta (send -> first delta - %d ms): %s%n",
                    s.firstTokenMillis(), percentiles(overheadMillis));
            out.printf(Locale.ROOT, "  send -> accepted                                   : %s%n",
                    percentiles(acceptedMillis));
            out.printf(Locale.ROOT, "  send -> done                                       : %s%n",
                    percentiles(turnMillis));
            out.printf(Locale.ROOT, "  CPU       : %.3f CPU s per turn (whole JVM: client, gateway, functions,"
                    + " emulators)%n", cpuSecondsPerTurn());
            out.printf(Locale.ROOT, "  heap      : %.1f MB after init, %.1f MB after the run (connections open),"
                            + " %.1f KB per user retained%n", heapAfterInit / 1e6, heapAfterRun / 1e6,
                    (heapAfterRun - heapAfterInit) / 1e3 / s.users());
            out.printf(Locale.ROOT, "  AWS calls per turn (functions' clients%s):%n",
                    calls.capacityReports() > 0 ? ", DynamoDB with consumed capacity" : "");
            (calls.byFunction().isEmpty() ? calls.calls() : calls.byFunction())
                    .forEach((op, n) -> out.printf(Locale.ROOT, "    %-50s %8.2f%n", op, perTurn(n)));
            out.printf(Locale.ROOT, "    %-50s %8.2f%n", "DynamoDB total", perTurn(calls.total("DynamoDb.")));
            out.printf(Locale.ROOT, "    %-50s %8.2f%n", "DynamoDB, message function (ingress)",
                    perTurn(functionTotal("MessageFunction/DynamoDb.")));
            out.printf(Locale.ROOT, "    %-50s %8.2f%n", "SQS total", perTurn(calls.total("Sqs.")));
            out.printf(Locale.ROOT, "    %-50s %8.1f ms (%.1f ms a request, %.0f requests/s)%n",
                    "waited for DynamoDB responses, per turn", dynamoWaitMillisPerTurn(),
                    dynamoWaitMillisPerRequest(), dynamoRequestsPerSecond());
            if (calls.capacityReports() > 0) {
                out.printf(Locale.ROOT, "    %-50s %8.2f%n", "DynamoDB write units",
                        turnsAnswered == 0 ? 0 : calls.writeUnits() / turnsAnswered);
                out.printf(Locale.ROOT, "    %-50s %8.2f%n", "DynamoDB read units",
                        turnsAnswered == 0 ? 0 : calls.readUnits() / turnsAnswered);
            }
            if (criticalPath.measured()) {
                out.printf(Locale.ROOT, "    %-50s %8.2f  (p50 %.0f; a session's first message creates it)%n",
                        "DynamoDB per sendMessage, before accepted", CriticalPath.mean(criticalPath.beforeAccepted()),
                        CriticalPath.p50(criticalPath.beforeAccepted()));
                out.printf(Locale.ROOT, "    %-50s %8.2f  (p50 %.0f)%n", "DynamoDB in the worker before the first delta",
                        CriticalPath.mean(criticalPath.workerBeforeFirstDelta()),
                        CriticalPath.p50(criticalPath.workerBeforeFirstDelta()));
            }
            if (!calls.failures().isEmpty()) {
                out.printf(Locale.ROOT, "    failed calls: %s%n", calls.failures());
            }
            out.printf(Locale.ROOT, "  PostToConnection: %.2f per turn, %.1f per second of streaming;"
                            + " worker invocations %.2f per turn%n", perTurn(postToConnection()),
                    postsPerStreamingSecond(), perTurn(workerInvocations));
            out.printf(Locale.ROOT, "  Lambda duration counted per invocation: message %d MB, %.1f ms per turn; worker %d MB,"
                            + " %.0f ms per turn, %.2f turns per invocation%n", messageMemoryMb,
                    1000 * durations.seconds(MESSAGE_FUNCTION) / Math.max(1, turnsAnswered),
                    workerMemoryMb, 1000 * durations.seconds(WORKER_FUNCTION) / Math.max(1, turnsAnswered),
                    durations.invocations(WORKER_FUNCTION) == 0 ? 0
                            : (double) turnsAnswered / durations.invocations(WORKER_FUNCTION));
            out.printf(Locale.ROOT, "  cost per 1,000 turns (USD, prices and assumptions: docs/performance.md)"
                    + "                 upper bound (old)%n");
            Map<String, Double> bounds = durationUpperBoundsPer1000Turns();
            double total = 0;
            double bounded = 0;
            for (Map.Entry<String, Double> e : costPer1000Turns().entrySet()) {
                Double bound = bounds.get(e.getKey());
                out.printf(Locale.ROOT, "    %-50s %10.5f%s%n", e.getKey(), e.getValue(),
                        bound == null ? "" : String.format(Locale.ROOT, "   %10.5f", bound));
                total += e.getValue();
                bounded += bound == null ? e.getValue() : bound;
            }
            out.printf(Locale.ROOT, "    %-50s %10.5f   %10.5f%n", "total", total, bounded);
            if (!note.isEmpty()) {
                out.println("  note      : " + note);
            }
        }
    }

    static String percentiles(double[] millis) {
        if (millis.length == 0) {
            return "no samples";
        }
        DoubleHistogram h = histogram(millis);
        return String.format(Locale.ROOT, "p50 %7.1f ms  p99 %7.1f ms  max %7.1f ms  (n=%d)",
                h.getValueAtPercentile(50), h.getValueAtPercentile(99), h.getMaxValue(), millis.length);
    }

    /**
     * The {@code p}th percentile of the samples (negative ones count as 0), from an HdrHistogram of 3 significant
     * digits: within 0.1 % of the sample at that rank; {@code p} 100 is the largest.
     */
    static double percentile(double[] samples, double p) {
        DoubleHistogram h = histogram(samples);
        return p >= 100 ? h.getMaxValue() : h.getValueAtPercentile(p);
    }

    static DoubleHistogram histogram(double[] samples) {
        DoubleHistogram h = new DoubleHistogram(3);
        for (double v : samples) {
            h.recordValue(Math.max(0, v));
        }
        return h;
    }

    private static double sum(double[] values) {
        return Arrays.stream(values).sum();
    }

    static long heapUsed() {
        for (int i = 0; i < 2; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /**
     * The local stack of a benchmark: the bench model with these settings as the only model, the pollers and batch
     * size, and the template's visibility timeout (540 s), as deployed: the local stack's 30 s would redeliver turns
     * that an overloaded run keeps waiting longer than that, and measure the redelivery instead of the platform.
     */
    static LocalStack.Options stackOptions(Settings s) {
        Map<String, String> env = new HashMap<>();
        env.put(Setting.MODELS.name(), "bench:clock");
        env.put(Setting.BENCH_FIRST_TOKEN_MILLIS.name(), String.valueOf(s.firstTokenMillis()));
        env.put(Setting.BENCH_TOKENS_PER_SECOND.name(), String.valueOf(s.tokensPerSecond()));
        env.put(Setting.BENCH_ANSWER_TOKENS.name(), String.valueOf(s.answerTokens()));
        if (s.deltaFlushMillis() >= 0) {
            env.put(Setting.DELTA_FLUSH_MILLIS.name(), String.valueOf(s.deltaFlushMillis()));
        }
        return LocalStack.Options.defaults().withEnv(env).withVisibility(0).withPollers(s.effectivePollers())
                .withBatchSize(s.batchSize());
    }

    /**
     * How long to wait for a turn's accepted, and then for its done: the answer's length + 30 s; when more sessions
     * run at once than the pollers' batches hold, plus an answer's length for each turn the other sessions could
     * have queued before it (a FIFO queue need not serve its groups fairly).
     */
    static Duration turnTimeout(Settings s, int workerBatchSize) {
        int slots = s.effectivePollers() * workerBatchSize;
        long queuedRounds = (s.concurrency() + slots - 1) / slots - 1;
        return Duration.ofMillis(s.answerMillis() * (1 + queuedRounds * s.turnsPerSession()) + 30_000);
    }

    /** Opens one user's connection with a development token. */
    static BenchConnection connect(HttpClient http, LocalStack stack, String user) {
        return BenchConnection.open(http, stack.webSocketUrl(), user, stack.tokens().issue(user, Duration.ofHours(1)));
    }

    /** Opens the connections of {@code users}, at most 32 handshakes at a time. */
    static List<BenchConnection> connectAll(ExecutorService threads, HttpClient http, LocalStack stack,
                                            List<String> users) throws Exception {
        List<BenchConnection> connections = Collections.synchronizedList(new ArrayList<>());
        Semaphore opening = new Semaphore(32);
        List<java.util.concurrent.Future<?>> opened = new ArrayList<>();
        for (String user : users) {
            opened.add(threads.submit(() -> {
                opening.acquireUninterruptibly();
                try {
                    connections.add(connect(http, stack, user));
                } finally {
                    opening.release();
                }
            }));
        }
        for (var f : opened) {
            f.get(60, TimeUnit.SECONDS);
        }
        return connections;
    }

    /** One turn of a user outside the measurement (first-use class loading, JIT of the hot path). */
    static void warmUp(HttpClient http, LocalStack stack, String user, Duration turnTimeout) {
        try (BenchConnection warm = connect(http, stack, user)) {
            runTurn(warm, null, "warm-up", turnTimeout);
        }
    }

    /** Waits (bounded) until the worker's queue holds nothing, neither waiting nor in flight. */
    static void awaitWorkerIdle(LocalStack stack, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!stack.workerIdle()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the worker's queue did not empty within " + timeout);
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    /** Runs one benchmark on its own local stack (any free port) and returns what it measured. */
    public static Report run(Settings s, PrintStream log) {
        return runAll(s, log, false).get(0);
    }

    /**
     * Switchboard's run and then, with {@code floor}, the floor's ({@link FloorPath}): the same load on the same local
     * stack in this JVM, once the worker's queue is empty; the reports in that order.
     */
    static List<Report> runAll(Settings s, PrintStream log, boolean floor) {
        AwsCallCounter counter = new AwsCallCounter(true);
        log.printf(Locale.ROOT, "starting the local stack (bench model, %d pollers)...%n", s.effectivePollers());
        try (LocalStack stack = LocalStack.start(stackOptions(s).withAwsInterceptors(List.of(counter)));
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            InvocationDurations durations = new InvocationDurations();
            stack.addInvocationListener(durations);
            Run run = new Run(stack, counter, durations, threads, HttpClient.newBuilder().executor(threads).build(),
                    turnTimeout(s, stack.workerBatchSize()));
            List<Report> reports = new ArrayList<>();
            reports.add(measure(run, s, log, "bench-user-"));
            if (floor) {
                awaitWorkerIdle(stack, Duration.ofMinutes(2));
                FloorPath.install(stack);
                log.printf(Locale.ROOT, "the floor path: the same load on the same stack...%n");
                reports.add(measure(run, s, log, "floor-user-"));
            }
            return reports;
        } catch (Exception e) {
            throw failed(e);
        }
    }

    /** What one measurement runs on. */
    private record Run(LocalStack stack, AwsCallCounter counter, InvocationDurations durations,
                       ExecutorService threads, HttpClient http, Duration turnTimeout) {}

    /** One measured load on {@code run}'s stack, by users named {@code userPrefix + n}. */
    private static Report measure(Run run, Settings s, PrintStream log, String userPrefix) throws Exception {
        LocalStack stack = run.stack();
        AwsCallCounter counter = run.counter();
        InvocationDurations durations = run.durations();
        ExecutorService threads = run.threads();
        HttpClient http = run.http();
        Duration turnTimeout = run.turnTimeout();
        {
            long heapAfterInit = heapUsed();
            warmUp(http, stack, userPrefix + "warmup", turnTimeout);

            log.printf(Locale.ROOT, "opening %d connections...%n", s.users());
            List<String> users = new ArrayList<>();
            for (int u = 0; u < s.users(); u++) {
                users.add(userPrefix + u);
            }
            List<BenchConnection> connections = connectAll(threads, http, stack, users);
            Map<String, BenchConnection> byUser = new HashMap<>();
            connections.forEach(c -> byUser.put(c.userId, c));

            log.printf(Locale.ROOT, "running %d sessions, %d at a time, for at most %d s...%n", s.sessions(),
                    s.concurrency(), s.seconds());
            AwsCallCounter.Counts before = counter.snapshot();
            InvocationDurations.Totals durationsBefore = durations.snapshot();
            long invocationsBefore = stack.workerInvocations();
            long sentBefore = connections.stream().mapToLong(c -> c.sent.sum()).sum();
            long unitsBefore = connections.stream().mapToLong(c -> c.messageUnits.sum()).sum();
            long cpuBefore = cpuNanos();
            long start = System.nanoTime();
            long deadline = start + TimeUnit.SECONDS.toNanos(s.seconds());
            List<SentTurn> turns = Collections.synchronizedList(new ArrayList<>());
            AtomicInteger sessionsRun = new AtomicInteger();
            Semaphore slots = new Semaphore(s.concurrency());
            List<java.util.concurrent.Future<?>> sessions = new ArrayList<>();
            for (int u = 0; u < s.users(); u++) {
                BenchConnection c = byUser.get(userPrefix + u);
                for (int k = 0; k < s.sessionsPerUser(); k++) {
                    sessions.add(threads.submit(() -> {
                        slots.acquireUninterruptibly();
                        try {
                            if (System.nanoTime() >= deadline) {
                                return;
                            }
                            sessionsRun.incrementAndGet();
                            String sessionId = null;
                            for (int t = 0; t < s.turnsPerSession() && System.nanoTime() < deadline; t++) {
                                SentTurn sent = runTurn(c, sessionId, "turn " + (t + 1), turnTimeout);
                                turns.add(sent);
                                sessionId = sent.sessionId();
                                if (!sent.done()) {
                                    break; // a lost turn: the session does not go on
                                }
                            }
                        } finally {
                            slots.release();
                        }
                    }));
                }
            }
            for (var f : sessions) {
                f.get(s.seconds() + turnTimeout.toSeconds() + 30, TimeUnit.SECONDS);
            }
            long end = System.nanoTime();
            long cpu = cpuNanos() - cpuBefore;
            // late frames: a duplicate done, or the done of a turn that outlived its wait, would arrive now
            long grace = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (System.nanoTime() < grace && turns.stream().anyMatch(t -> !t.done())) {
                Thread.sleep(100);
            }
            Thread.sleep(300);
            AwsCallCounter.Counts calls = counter.snapshot().minus(before);
            InvocationDurations.Totals invoked = durations.snapshot().minus(durationsBefore);
            long workerInvocations = stack.workerInvocations() - invocationsBefore;
            long heapAfterRun = heapUsed();

            List<Turn> all;
            long late;
            synchronized (turns) {
                all = turns.stream().map(SentTurn::turn).toList();
                late = turns.stream().map(SentTurn::turn).filter(t -> t.answered()
                        && t.doneNanos() - t.sendNanos() > turnTimeout.toNanos()).count();
            }
            int answered = (int) all.stream().filter(Turn::answered).count();
            // a session belongs to the user whose connection got its accepted (whenever that came)
            Map<String, String> owners = new HashMap<>();
            for (BenchConnection c : connections) {
                c.acceptedSessions.forEach(id -> owners.put(id, c.userId));
            }
            int duplicated = 0;
            long misdelivered = 0;
            long unattributed = 0;
            for (BenchConnection c : connections) {
                for (BenchConnection.TurnFrames f : c.turns.values()) {
                    synchronized (f) {
                        duplicated += f.doneCount > 1 || f.repeatedSeqs > 0 ? 1 : 0;
                    }
                }
                for (Map.Entry<String, java.util.concurrent.atomic.LongAdder> e : c.framesBySession.entrySet()) {
                    String owner = owners.get(e.getKey());
                    if (owner == null) {
                        unattributed += e.getValue().sum();
                    } else if (!owner.equals(c.userId)) {
                        misdelivered += e.getValue().sum();
                    }
                }
            }
            duplicated += (int) all.stream().filter(Turn::duplicateReply).count();
            int inconsistent = (int) all.stream().filter(t -> t.answered() && !t.consistent()).count();
            double[] overhead = all.stream().filter(t -> t.firstDeltaNanos() > 0)
                    .mapToDouble(t -> (t.firstDeltaNanos() - t.sendNanos()) / 1e6 - s.firstTokenMillis()).toArray();
            double[] accepted = all.stream().filter(t -> t.acceptedNanos() > 0)
                    .mapToDouble(t -> (t.acceptedNanos() - t.sendNanos()) / 1e6).toArray();
            double[] turnMillis = all.stream().filter(Turn::answered)
                    .mapToDouble(t -> (t.doneNanos() - t.sendNanos()) / 1e6).toArray();
            double streaming = all.stream().filter(t -> t.answered() && t.firstDeltaNanos() > 0)
                    .mapToDouble(t -> (t.doneNanos() - t.firstDeltaNanos()) / 1e9).sum();
            List<String> errors = all.stream().map(Turn::error).filter(e -> e != null).distinct().toList();
            CriticalPath path = new CriticalPath(counter.requestsPerInvocationSince(MESSAGE_FUNCTION, start),
                    all.stream().filter(t -> t.answered() && t.firstDeltaNanos() > 0)
                            .mapToLong(t -> counter.turnRequestsBefore(WORKER_FUNCTION, t.turnId(),
                                    t.firstDeltaNanos()))
                            .filter(n -> n >= 0).toArray());
            long clientMessages = connections.stream().mapToLong(c -> c.sent.sum()).sum() - sentBefore;
            long units = connections.stream().mapToLong(c -> c.messageUnits.sum()).sum() - unitsBefore;
            connections.forEach(BenchConnection::close);
            return new Report(s, stack.workerBatchSize(), connections.size(), sessionsRun.get(), all.size(), answered,
                    all.size() - answered, duplicated, misdelivered, inconsistent, late, (end - start) / 1e9,
                    overhead,
                    accepted, turnMillis, streaming, cpu / 1e9, heapAfterInit, heapAfterRun, workerInvocations,
                    clientMessages, units, calls, invoked, stack.memoryMb(MESSAGE_FUNCTION),
                    stack.memoryMb(WORKER_FUNCTION), path, (errors.isEmpty() ? "" : "errors: " + errors)
                    + (unattributed == 0 ? "" : " frames of sessions whose accepted never came: " + unattributed));
        }
    }

    /** The unchecked exception a benchmark that could not complete throws (the thread's interrupt kept). */
    static IllegalStateException failed(Exception e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        return e instanceof IllegalStateException ise ? ise : new IllegalStateException("benchmark failed: " + e, e);
    }

    /**
     * A sent turn; {@link #turn()} reads its reply and frames as they are now, so an accepted or a done that came
     * after the wait still counts (as late, not lost).
     */
    record SentTurn(String sessionId, long sendNanos, CompletableFuture<BenchConnection.Reply> reply,
                    BenchConnection connection) {
        BenchConnection.Reply replyNow() {
            return reply.isCompletedExceptionally() ? null : reply.getNow(null);
        }

        boolean done() {
            BenchConnection.Reply r = replyNow();
            return r != null && r.error() == null && connection.turn(r.turnId()).done.isDone();
        }

        Turn turn() {
            BenchConnection.Reply r = replyNow();
            if (r == null || r.error() != null) {
                return new Turn(null, sendNanos, 0, 0, 0, 0, false, false, r == null ? "no accepted" : r.error());
            }
            BenchConnection.TurnFrames frames = connection.turn(r.turnId());
            synchronized (frames) {
                return new Turn(r.turnId(), sendNanos, r.nanos(), frames.firstDeltaNanos, frames.doneNanos,
                        frames.deltas,
                        frames.doneCount > 0 && frames.consistent(), r.duplicate(), null);
            }
        }
    }

    /** Sends one turn and waits (bounded) for its accepted and its done. */
    static SentTurn runTurn(BenchConnection c, String sessionId, String text, Duration timeout) {
        String clientMessageId = UUID.randomUUID().toString();
        long send = System.nanoTime();
        CompletableFuture<BenchConnection.Reply> reply = c.send(sessionId, clientMessageId, "bench " + text);
        try {
            BenchConnection.Reply r = reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (r.error() == null) {
                c.turn(r.turnId()).done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
            return new SentTurn(r.sessionId(), send, reply, c);
        } catch (Exception e) {
            // not answered in time: lost, unless its accepted and done arrive before the run ends (then late)
            return new SentTurn(sessionId, send, reply, c);
        }
    }

    /** The bench model's options, shared by the commands, each with its own defaults. */
    static final class ModelOptions {
        @Option(names = "--first-token-ms", description = "model time to first token (default: ${DEFAULT-VALUE})")
        long firstTokenMillis;

        @Option(names = "--tokens-per-second", description = "model token rate (default: ${DEFAULT-VALUE})")
        int tokensPerSecond;

        @Option(names = "--answer-tokens", description = "tokens per answer (default: ${DEFAULT-VALUE})")
        int answerTokens;

        ModelOptions(long firstTokenMillis, int tokensPerSecond, int answerTokens) {
            this.firstTokenMillis = firstTokenMillis;
            this.tokensPerSecond = tokensPerSecond;
            this.answerTokens = answerTokens;
        }
    }

    /** The load's options, shared by the load benchmark and its floor comparison. */
    static final class LoadOptions {
        @Option(names = "--users", description = "users, one connection each (default: ${DEFAULT-VALUE})")
        int users = 10;

        @Option(names = "--sessions-per-user", description = "sessions per user (default: ${DEFAULT-VALUE})")
        int sessionsPerUser = 2;

        @Option(names = "--turns-per-session", description = "turns per session (default: ${DEFAULT-VALUE})")
        int turnsPerSession = 3;

        @Option(names = "--concurrency", description = "sessions running at once (default: ${DEFAULT-VALUE})")
        int concurrency = 20;

        @CommandLine.Mixin
        ModelOptions model = new ModelOptions(200, 50, 100);

        @Option(names = "--seconds", description = "no new turn after this many seconds (default: ${DEFAULT-VALUE})")
        int seconds = 60;

        @Option(names = "--pollers", description = "event-source pollers; 0 = one per concurrent session, at most 200 (default: ${DEFAULT-VALUE})")
        int pollers = 0;

        @Option(names = "--delta-flush-ms", description = "the worker's DELTA_FLUSH_MILLIS; -1 = its default (default: ${DEFAULT-VALUE})")
        int deltaFlushMillis = -1;

        @Option(names = "--batch-size", description = "records per worker invocation, 1 to 10; 0 = template.yaml's (default: ${DEFAULT-VALUE})")
        int batchSize = 0;

        @Option(names = "--smoke", description = "the CI size: 4 users x 2 sessions x 2 turns, fast model")
        boolean smoke;

        Settings settings() {
            return smoke ? Settings.smoke() : new Settings(users, sessionsPerUser, turnsPerSession, concurrency,
                    model.firstTokenMillis, model.tokensPerSecond, model.answerTokens, seconds, pollers,
                    deltaFlushMillis, batchSize);
        }
    }

    @Command(name = "bench", mixinStandardHelpOptions = true,
            subcommands = {TierRatio.Cli.class, BatchSizes.Cli.class, InFlightHeap.Cli.class, Floor.Cli.class,
                    WorkerFootprint.Cli.class},
            description = "Load benchmark of Switchboard on the local stack with a clock model (docs/performance.md).")
    static final class Cli extends LoadCommand {
        @Override
        boolean runAndPrint(Settings s, PrintStream out) {
            Report r = run(s, out);
            r.print(out);
            return r.clean();
        }
    }

    /** A command with the load's options and {@code --function-logs}; exit status 1 unless the run was clean. */
    abstract static class LoadCommand implements Callable<Integer> {
        @CommandLine.Mixin
        LoadOptions load = new LoadOptions();

        @CommandLine.Mixin
        FunctionLogs functionLogs = new FunctionLogs();

        /** Runs with {@code s}, prints to {@code out}; whether nothing was lost, duplicated or misdelivered. */
        abstract boolean runAndPrint(Settings s, PrintStream out);

        @Override
        public Integer call() {
            PrintStream out = functionLogs.report();
            return runAndPrint(load.settings(), out) ? 0 : 1;
        }
    }

    public static void main(String[] args) {
        int code = new CommandLine(new Cli()).execute(args);
        System.exit(code);
    }
}
