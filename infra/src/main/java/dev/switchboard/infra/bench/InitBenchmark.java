package dev.switchboard.infra.bench;

import dev.switchboard.config.Setting;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayCustomAuthorizerEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketResponse;
import com.amazonaws.services.lambda.runtime.events.IamPolicyResponse;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.switchboard.auth.DevTokens;
import dev.switchboard.auth.OperatorPolicy;
import dev.switchboard.config.Env;
import dev.switchboard.infra.LocalLambdaContext;
import dev.switchboard.infra.LocalStack;
import dev.switchboard.infra.TemplateModel;
import dev.switchboard.runtime.WebSocketEvents;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import org.crac.Resource;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The init benchmark: for each function of template.yaml, how long its JVM takes to reach the handler, its
 * composition root (Lambda's init), its SnapStart priming ({@code beforeCheckpoint}) and restore hook
 * ({@code afterRestore}), and its first and later invocations, with priming and without. Each function runs in a JVM
 * of its own, as on Lambda: built through its no-arg entry point from the environment the template gives it (the
 * local stack's emulators, started by this process), with the template's {@code JAVA_TOOL_OPTIONS} and the serial
 * collector Lambda's Java runtime uses. The invocations are harmless local requests of the function's real path
 * (docs/performance.md lists them). No snapshot is taken: a restore's own cost is measured on AWS only.
 */
public final class InitBenchmark {
    /** The line a function's JVM prints its figures on. */
    static final String FIGURES = "INIT-FIGURES";
    private static final String BENCH_USER = "init-bench";
    /**
     * The tokens the probes send, issued by this process: signing one in the function's JVM would load the JWT
     * library before the first invocation and hide part of its cost.
     */
    private static final String USER_TOKEN = "INIT_BENCH_USER_TOKEN";
    private static final String OPERATOR_TOKEN = "INIT_BENCH_OPERATOR_TOKEN";

    private InitBenchmark() {}

    /**
     * One function's figures, in milliseconds.
     *
     * @param jvmMillis      JVM start to the benchmark's main method (the JVM's own start, before any handler class)
     * @param initMillis     the no-arg constructor: the composition root, what Lambda's init runs
     * @param primingMillis  {@code beforeCheckpoint}, run before the snapshot; -1 when not primed
     * @param restoreMillis  {@code afterRestore}; -1 when not primed
     * @param firstMillis    the first invocation
     * @param warmMillis     the median of the later invocations
     */
    public record Figures(String function, long jvmMillis, double initMillis, double primingMillis,
                          double restoreMillis, double firstMillis, double warmMillis) {
        String line() {
            return String.format(Locale.ROOT, "%s %s %d %.1f %.1f %.1f %.1f %.1f", FIGURES, function, jvmMillis,
                    initMillis, primingMillis, restoreMillis, firstMillis, warmMillis);
        }

        /** Field by field, the median of several runs of one function. */
        static Figures medianOf(List<Figures> runs) {
            return new Figures(runs.get(0).function(), Math.round(medianOf(runs, Figures::jvmMillis)),
                    medianOf(runs, Figures::initMillis), medianOf(runs, Figures::primingMillis),
                    medianOf(runs, Figures::restoreMillis), medianOf(runs, Figures::firstMillis),
                    medianOf(runs, Figures::warmMillis));
        }

        private static double medianOf(List<Figures> runs, ToDoubleFunction<Figures> field) {
            return median(runs.stream().mapToDouble(field).toArray());
        }

        static Figures parse(String line) {
            String[] f = line.substring(FIGURES.length()).trim().split(" ");
            return new Figures(f[0], Long.parseLong(f[1]), Double.parseDouble(f[2]), Double.parseDouble(f[3]),
                    Double.parseDouble(f[4]), Double.parseDouble(f[5]), Double.parseDouble(f[6]));
        }
    }

    /** One function, measured in a JVM that ran the SnapStart hooks and in one that did not. */
    public record Row(Figures primed, Figures unprimed) {}

    /** A function's harmless request ({@code i}: 0 for the first invocation, then 1, 2, …) and its success check. */
    record Probe(IntFunction<Object> event, Predicate<Object> ok) {}

    /**
     * The request each function is invoked with: its real path, on the local emulators, as the bench's own users
     * (docs/performance.md describes each).
     */
    static Probe probe(String function, Env env) {
        return switch (function) {
            case "AuthorizerFunction" -> new Probe(i -> {
                var e = new APIGatewayCustomAuthorizerEvent();
                e.setType("REQUEST");
                e.setMethodArn("arn:aws:execute-api:us-east-1:000000000000:local/local/$connect");
                e.setQueryStringParameters(Map.of("token", env.require(USER_TOKEN)));
                return e;
            }, r -> BENCH_USER.equals(((IamPolicyResponse) r).getPrincipalId()));
            case "ConnectFunction" -> new Probe(i ->
                    webSocketEvent("$connect", BENCH_USER, "init-" + i, null),
                    r -> ((APIGatewayV2WebSocketResponse) r).getStatusCode() == 200);
            case "DisconnectFunction" -> new Probe(i ->
                    webSocketEvent("$disconnect", BENCH_USER, "init-" + i, null),
                    r -> ((APIGatewayV2WebSocketResponse) r).getStatusCode() == 200);
            case "MessageFunction" -> new Probe(i ->
                    webSocketEvent("sendMessage", BENCH_USER + "-" + i, "init-" + i,
                            "{\"action\":\"sendMessage\",\"clientMessageId\":\"c-" + i + "\",\"text\":\"hello\"}"),
                    r -> ((APIGatewayV2WebSocketResponse) r).getBody().contains("\"type\":\"accepted\""));
            case "WorkerFunction" -> new Probe(i -> {
                var m = new SQSEvent.SQSMessage();
                m.setMessageId("init-" + i);
                m.setBody("{\"userId\":\"" + BENCH_USER + "\",\"sessionId\":\"s-gone\",\"turnId\":\""
                        + String.format(Locale.ROOT, "%013d-%08x", i + 1, i) + "\",\"clientMessageId\":\"c-" + i
                        + "\",\"enqueuedAt\":0}");
                m.setAttributes(Map.of("MessageGroupId", "s-gone", "ApproximateReceiveCount", "1"));
                var e = new SQSEvent();
                e.setRecords(List.of(m));
                return e;
            }, r -> ((SQSBatchResponse) r).getBatchItemFailures().isEmpty());
            case "OperatorFunction" -> new Probe(i -> {
                var http = new APIGatewayV2HTTPEvent.RequestContext.Http();
                http.setMethod("GET");
                http.setPath("/health");
                var rc = new APIGatewayV2HTTPEvent.RequestContext();
                rc.setHttp(http);
                rc.setRequestId("init-" + i);
                rc.setRouteKey("GET /health");
                var e = new APIGatewayV2HTTPEvent();
                e.setRouteKey("GET /health"); // the operator dispatches on the route key, as API Gateway sends it
                e.setRawPath("/health");
                e.setRequestContext(rc);
                e.setHeaders(Map.of("authorization", "Bearer " + env.require(OPERATOR_TOKEN)));
                return e;
            }, r -> ((APIGatewayV2HTTPResponse) r).getStatusCode() == 200);
            default -> throw new IllegalArgumentException("no probe for " + function);
        };
    }

    private static APIGatewayV2WebSocketEvent webSocketEvent(String route, String userId, String connectionId,
                                                             String body) {
        var ctx = new APIGatewayV2WebSocketEvent.RequestContext();
        ctx.setRouteKey(route);
        ctx.setConnectionId(connectionId);
        ctx.setRequestId("init-" + connectionId);
        ctx.setAuthorizer(Map.of(WebSocketEvents.USER_ID, userId));
        var e = new APIGatewayV2WebSocketEvent();
        e.setRequestContext(ctx);
        e.setBody(body);
        return e;
    }

    // ---------------------------------------------------------------- one function, in its own JVM

    /** Builds the handler as Lambda does, primes and restores it (when asked), invokes it, prints its figures. */
    @SuppressWarnings("unchecked")
    static Figures measure(String function, String handlerClass, boolean prime, int warm, long jvmMillis)
            throws Exception {
        long t0 = System.nanoTime();
        Object handler = Class.forName(handlerClass).getConstructor().newInstance();
        double init = millisSince(t0);
        double priming = -1;
        double restore = -1;
        if (prime) {
            long t1 = System.nanoTime();
            ((Resource) handler).beforeCheckpoint(null);
            priming = millisSince(t1);
            long t2 = System.nanoTime();
            ((Resource) handler).afterRestore(null);
            restore = millisSince(t2);
        }
        Probe probe = probe(function, Env.system());
        RequestHandler<Object, Object> h = (RequestHandler<Object, Object>) handler;
        double[] times = new double[warm + 1];
        for (int i = 0; i <= warm; i++) {
            Object event = probe.event().apply(i);
            long t = System.nanoTime();
            Object response = h.handleRequest(event, new LocalLambdaContext(function, 30));
            times[i] = millisSince(t);
            if (!probe.ok().test(response)) {
                throw new IllegalStateException(function + ": invocation " + i + " did not succeed: " + response);
            }
        }
        return new Figures(function, jvmMillis, init, priming, restore, times[0],
                median(Arrays.copyOfRange(times, 1, times.length)));
    }

    /** The median of {@code values} (0 when there are none); sorts them. */
    static double median(double[] values) {
        Arrays.sort(values);
        int n = values.length;
        return n == 0 ? 0 : n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }

    private static double millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }

    // ---------------------------------------------------------------- the run

    /**
     * Starts the emulators, then for each function {@code runs} times a JVM primed and one not primed; returns the
     * medians of what they measured.
     */
    public static List<Row> run(List<String> functions, int warm, int runs, PrintStream log) {
        log.println("starting the local stack's emulators...");
        TemplateModel template = TemplateModel.load(TemplateModel.locate());
        List<Row> rows = new ArrayList<>();
        try (LocalStack stack = LocalStack.start(LocalStack.Options.defaults().withPollers(1))) {
            for (String function : functions) {
                Map<String, String> env = new LinkedHashMap<>(stack.environment(function));
                env.put("LOG_LEVEL", "WARN");
                DevTokens tokens = new DevTokens(env.get(Setting.JWT_SECRET.name()), env.get(Setting.JWT_ISSUER.name()),
                        env.get(Setting.JWT_AUDIENCE.name()));
                env.put(USER_TOKEN, tokens.issue(BENCH_USER, Duration.ofHours(1)));
                env.put(OPERATOR_TOKEN, tokens.issueOperator("init-bench-operator", Duration.ofHours(1),
                        OperatorPolicy.fromEnv(new Env(env))));
                String handler = template.handlerClass(function);
                List<Figures> primed = new ArrayList<>();
                List<Figures> unprimed = new ArrayList<>();
                for (int run = 1; run <= runs; run++) {
                    log.printf(Locale.ROOT, "%s: run %d of %d, primed and not...%n", function, run, runs);
                    primed.add(inOwnJvm(function, handler, true, warm, env));
                    unprimed.add(inOwnJvm(function, handler, false, warm, env));
                }
                rows.add(new Row(Figures.medianOf(primed), Figures.medianOf(unprimed)));
            }
        }
        return rows;
    }

    private static Figures inOwnJvm(String function, String handler, boolean prime, int warm, Map<String, String> env) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), InitBenchmark.class.getName(),
                "--child", function, "--handler", handler, "--warm", String.valueOf(warm)));
        if (!prime) {
            command.add("--no-priming");
        }
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            List<String> output = new ArrayList<>();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    output.add(line);
                }
            }
            int code = p.waitFor();
            return output.stream().filter(l -> l.startsWith(FIGURES)).findFirst().map(Figures::parse)
                    .orElseThrow(() -> new IllegalStateException(function + " exited with " + code + ":\n"
                            + String.join("\n", output)));
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a JVM for " + function, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The table of docs/performance.md. */
    public static void print(List<Row> rows, int warm, int runs, PrintStream out) {
        out.println();
        out.printf(Locale.ROOT, "Switchboard init benchmark (one JVM per function, %d cores, Java %s)%n",
                Runtime.getRuntime().availableProcessors(), Runtime.version());
        out.println("  milliseconds; primed = beforeCheckpoint ran after init (what SnapStart snapshots), then"
                + " afterRestore");
        out.printf(Locale.ROOT, "  %-20s %8s %8s %9s %8s %12s %10s %14s%n", "function", "jvm", "init", "priming",
                "restore", "first", "warm p50", "first unprimed");
        for (Row r : rows) {
            Figures p = r.primed();
            out.printf(Locale.ROOT, "  %-20s %8d %8.0f %9.0f %8.2f %12.1f %10.2f %14.1f%n", p.function(),
                    p.jvmMillis(), p.initMillis(), p.primingMillis(), p.restoreMillis(), p.firstMillis(),
                    p.warmMillis(), r.unprimed().firstMillis());
        }
        out.printf(Locale.ROOT, "  warm p50: median of %d invocations after the first (primed JVM); each figure the"
                + " median of %d run(s)%n", warm, runs);
    }

    @Command(name = "init-bench", mixinStandardHelpOptions = true,
            description = "Init, SnapStart priming and first-invocation times of every function (docs/performance.md).")
    static final class Cli implements Callable<Integer> {
        @Option(names = "--warm", description = "invocations after the first, for the warm median (default: ${DEFAULT-VALUE})")
        int warm = 20;

        @Option(names = "--runs", description = "JVMs per function and mode; the figures are their medians (default: ${DEFAULT-VALUE})")
        int runs = 1;

        @Option(names = "--functions", split = ",", description = "logical ids of template.yaml (default: all six)")
        List<String> functions = List.of("AuthorizerFunction", "ConnectFunction", "DisconnectFunction",
                "MessageFunction", "WorkerFunction", "OperatorFunction");

        @Option(names = "--child", hidden = true, description = "measure this function in this JVM and print its figures")
        String child;

        @Option(names = "--handler", hidden = true, description = "the child's handler class")
        String handler;

        @Option(names = "--no-priming", hidden = true, description = "the child skips the SnapStart hooks")
        boolean noPriming;

        /** JVM start to main, read first thing in main. */
        private final long jvmMillis;

        Cli(long jvmMillis) {
            this.jvmMillis = jvmMillis;
        }

        @Override
        public Integer call() throws Exception {
            if (child != null) {
                System.out.println(measure(child, handler, !noPriming, warm, jvmMillis).line());
                return 0;
            }
            print(run(functions, warm, runs, System.out), warm, runs, System.out);
            return 0;
        }
    }

    public static void main(String[] args) {
        long jvmMillis = ManagementFactory.getRuntimeMXBean().getUptime();
        int code = new CommandLine(new Cli(jvmMillis)).execute(args);
        System.exit(code);
    }
}
