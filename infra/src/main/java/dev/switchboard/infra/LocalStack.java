package dev.switchboard.infra;

import dev.switchboard.auth.DevTokens;
import dev.switchboard.auth.OperatorPolicy;
import dev.switchboard.config.Env;
import dev.switchboard.config.Setting;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Switchboard on one machine, no Docker, no AWS account: DynamoDB Local and ElasticMQ embedded, the tables and queues
 * of template.yaml, the functions of template.yaml built by their own composition roots, a WebSocket gateway that
 * routes like API Gateway and serves @connections, and a poller that feeds the worker like the SQS event source.
 */
public final class LocalStack implements AutoCloseable {
    /** Development-only HS256 secret; the local stack's authorizer accepts tokens signed with it. */
    public static final String DEV_SECRET = "switchboard-local-development-secret-not-for-production";
    public static final String DEV_ISSUER = "switchboard-local";
    public static final String DEV_AUDIENCE = "switchboard";

    /**
     * @param port              gateway port (0: any free port)
     * @param visibilitySeconds the queues' visibility timeout here (0: as template.yaml says); the poller also makes a
     *                          failed worker record visible again after this long (a running batch stays invisible
     *                          for the worker's timeout, as on AWS)
     * @param pollers           concurrent event-source pollers (Lambda scales FIFO consumers by message group)
     * @param env               extra environment for every function (model settings, tuning), applied last
     * @param awsInterceptors   SDK interceptors added to every AWS client the functions build (none by default; the
     *                          load benchmark counts calls with one)
     * @param batchSize         records per worker invocation at most, 1 to 10 (0: as template.yaml's event source says)
     * @param pageConfig        fields of the chat page's {@code /config.json} besides {@code webSocketUrl} (none:
     *                          {@code "signIn": "dev"}, the development sign-in); e.g. {@code signIn=oidc} with its
     *                          issuer and client id, with {@code AUTH_MODE=jwks} in {@code env} (docs/design.md)
     * @param dataDir           where DynamoDB Local and ElasticMQ keep their data across restarts; empty: in memory
     *                          (tests and benchmarks)
     * @param inFlightSeconds   how long a batch handed to the worker stays invisible (0: the worker's timeout, as on
     *                          AWS); after a restart, a turn that was running comes back after this long
     * @param parameters        template parameters given instead of their defaults, as a deployment would (none by
     *                          default); e.g. {@code WorkerTimeoutSeconds} through {@link #withWorkerTimeout}
     */
    public record Options(int port, String stage, int visibilitySeconds, int pollers, Map<String, String> env,
                          List<ExecutionInterceptor> awsInterceptors, int batchSize, Map<String, String> pageConfig,
                          Optional<Path> dataDir, int inFlightSeconds, Map<String, String> parameters) {
        public Options {
            env = Map.copyOf(env);
            parameters = Map.copyOf(parameters);
            awsInterceptors = List.copyOf(awsInterceptors);
            pageConfig = Map.copyOf(pageConfig);
            java.util.Objects.requireNonNull(dataDir, "dataDir (Optional.empty() for in memory)");
            if (inFlightSeconds < 0) {
                throw new IllegalArgumentException("in-flight seconds must be 0 (the worker's timeout) or more");
            }
            if (batchSize < 0 || batchSize > MAX_BATCH_SIZE) {
                throw new IllegalArgumentException("batch size must be 0 (the template's) or 1.." + MAX_BATCH_SIZE
                        + ", got " + batchSize);
            }
        }

        public Options(int port, String stage, int visibilitySeconds, int pollers, Map<String, String> env) {
            this(port, stage, visibilitySeconds, pollers, env, List.of(), 0, Map.of(), Optional.empty(), 0, Map.of());
        }

        public static Options defaults() {
            return new Options(0, "local", 30, 2, Map.of());
        }

        public Options withEnv(Map<String, String> more) {
            Map<String, String> merged = new LinkedHashMap<>(env);
            merged.putAll(more);
            return new Options(port, stage, visibilitySeconds, pollers, merged, awsInterceptors, batchSize, pageConfig,
                    dataDir, inFlightSeconds, parameters);
        }

        public Options withVisibility(int seconds) {
            return new Options(port, stage, seconds, pollers, env, awsInterceptors, batchSize, pageConfig, dataDir,
                    inFlightSeconds, parameters);
        }

        public Options withPollers(int count) {
            return new Options(port, stage, visibilitySeconds, count, env, awsInterceptors, batchSize, pageConfig,
                    dataDir, inFlightSeconds, parameters);
        }

        public Options withAwsInterceptors(List<ExecutionInterceptor> interceptors) {
            return new Options(port, stage, visibilitySeconds, pollers, env, interceptors, batchSize, pageConfig,
                    dataDir, inFlightSeconds, parameters);
        }

        public Options withBatchSize(int records) {
            return new Options(port, stage, visibilitySeconds, pollers, env, awsInterceptors, records, pageConfig,
                    dataDir, inFlightSeconds, parameters);
        }

        public Options withPort(int gatewayPort) {
            return new Options(gatewayPort, stage, visibilitySeconds, pollers, env, awsInterceptors, batchSize,
                    pageConfig, dataDir, inFlightSeconds, parameters);
        }

        public Options withPageConfig(Map<String, String> fields) {
            return new Options(port, stage, visibilitySeconds, pollers, env, awsInterceptors, batchSize, fields,
                    dataDir, inFlightSeconds, parameters);
        }

        /** Keeps the tables and queues in {@code directory} (created if missing), so a restart finds them again. */
        public Options withDataDir(Path directory) {
            return new Options(port, stage, visibilitySeconds, pollers, env, awsInterceptors, batchSize, pageConfig,
                    Optional.of(directory), inFlightSeconds, parameters);
        }

        /**
         * The worker function's timeout ({@code WorkerTimeoutSeconds}) set to {@code seconds}, any value from 1 up, so
         * a test can reach it within seconds; the stack ends a worker invocation still running at it, as Lambda does.
         * The queues' visibility then comes from {@link #withVisibility} (the template maps only its allowed values).
         */
        public Options withWorkerTimeout(int seconds) {
            if (seconds < 1 || seconds > 900) {
                throw new IllegalArgumentException("worker timeout must be 1..900 s, got " + seconds);
            }
            Map<String, String> merged = new LinkedHashMap<>(parameters);
            merged.put(WORKER_TIMEOUT_PARAMETER, Integer.toString(seconds));
            return new Options(port, stage, visibilitySeconds, pollers, env, awsInterceptors, batchSize, pageConfig,
                    dataDir, inFlightSeconds, merged);
        }

        public Options withInFlightSeconds(int seconds) {
            return new Options(port, stage, visibilitySeconds, pollers, env, awsInterceptors, batchSize, pageConfig,
                    dataDir, seconds, parameters);
        }
    }

    /** The template parameter that sets the worker function's timeout (and, through a mapping, the queues' visibility). */
    public static final String WORKER_TIMEOUT_PARAMETER = "WorkerTimeoutSeconds";

    /** Where the command keeps the local stack's tables and queues unless told otherwise. */
    public static final Path DEFAULT_DATA_DIR = Path.of(System.getProperty("user.home"), ".switchboard", "local");

    /** The most records SQS hands out per receive (and Lambda per FIFO batch). */
    public static final int MAX_BATCH_SIZE = 10;

    /** Worker handlers built per invocation ({@link #composeWorkerPerInvocation}) and their composition time in all. */
    public record Compositions(long count, long millis) {}

    /** An SDK interceptor that is told which function's clients it is installed in (one instance per function). */
    public interface PerFunctionInterceptor extends ExecutionInterceptor {
        ExecutionInterceptor forFunction(String function);
    }

    /** Told of each function invocation's wall time, as Lambda bills it (the load benchmark's counted cost). */
    @FunctionalInterface
    public interface InvocationListener {
        /** @param records the SQS records of the batch (1 for any other event) */
        void invoked(String function, int records, long nanos);
    }

    private final TemplateModel template;
    private final EmbeddedDynamoDb dynamo;
    private final EmbeddedSqs sqs;
    private final Map<String, String> queueUrls;
    private final FunctionHost functions;
    private final LocalGateway gateway;
    private final QueuePoller poller;
    /** The pollers of the template's other event sources (the user-data queue), each with its own batch size. */
    private final List<QueuePoller> otherPollers = new java.util.ArrayList<>();
    private final List<String> otherQueueUrls = new java.util.ArrayList<>();
    private final String workerFunction;
    private final String workerQueueUrl;
    private final int workerBatchSize;
    private final DevTokens tokens;
    private final OperatorPolicy operatorPolicy;

    private LocalStack(Options options) {
        template = TemplateModel.load(TemplateModel.locate()).withParameters(options.parameters());
        options.dataDir().ifPresent(LocalStack::createDirectory);
        dynamo = new EmbeddedDynamoDb(0, options.dataDir());
        dynamo.createTables(template);
        sqs = new EmbeddedSqs(0, options.dataDir());
        queueUrls = sqs.createQueues(template, options.visibilitySeconds());
        int gatewayPort = Ports.pick(options.port());
        String secret = options.env().getOrDefault(Setting.JWT_SECRET.name(), DEV_SECRET);
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put(Setting.AWS_REGION.name(), "us-east-1");
        overrides.put(Setting.DYNAMODB_ENDPOINT.name(), dynamo.endpoint());
        overrides.put(Setting.SQS_ENDPOINT.name(), sqs.endpoint());
        overrides.put(Setting.CALLBACK_URL.name(), "http://127.0.0.1:" + gatewayPort + "/" + options.stage());
        overrides.put(Setting.AUTH_MODE.name(), "hs256");
        overrides.put(Setting.JWT_SECRET.name(), secret);
        overrides.put(Setting.JWT_ISSUER.name(), DEV_ISSUER);
        overrides.put(Setting.JWT_AUDIENCE.name(), DEV_AUDIENCE);
        if (options.visibilitySeconds() > 0) {
            // a failed record's early retry must not come later than the shortened visibility would bring it back
            overrides.put(Setting.FAILED_RECORD_RETRY_SECONDS.name(), String.valueOf(Math.min(options.visibilitySeconds(),
                    Integer.parseInt(Setting.FAILED_RECORD_RETRY_SECONDS.defaultValue()))));
        }
        overrides.putAll(options.env());
        functions = new FunctionHost(template, queueUrls, overrides, options.awsInterceptors());
        tokens = new DevTokens(secret, DEV_ISSUER, DEV_AUDIENCE);
        String webSocketUrl = "ws://127.0.0.1:" + gatewayPort + "/" + options.stage();
        gateway = new LocalGateway(functions, template, options.stage(), gatewayPort,
                Map.of("/", new WebPages(tokens, webSocketUrl, options.pageConfig()),
                        "/ops/*", new OperatorRoutes(functions, template)));
        TemplateModel.QueueTrigger trigger = template.queueTrigger();
        workerFunction = trigger.function();
        workerQueueUrl = queueUrls.get(trigger.queue());
        workerBatchSize = options.batchSize() > 0 ? options.batchSize() : trigger.batchSize();
        poller = new QueuePoller(sqs.client(), workerQueueUrl,
                EmbeddedSqs.arn(workerQueueUrl.substring(workerQueueUrl.lastIndexOf('/') + 1)), workerBatchSize,
                functions, workerFunction, options.pollers(), options.inFlightSeconds() > 0 ? options.inFlightSeconds()
                        : functions.timeoutSeconds(workerFunction), options.visibilitySeconds());
        for (TemplateModel.QueueTrigger other : template.queueTriggers()) {
            if (!other.queue().equals(trigger.queue())) {
                String url = queueUrls.get(other.queue());
                otherQueueUrls.add(url);
                otherPollers.add(new QueuePoller(sqs.client(), url, EmbeddedSqs.arn(url.substring(url.lastIndexOf('/') + 1)),
                        other.batchSize(), functions, other.function(), options.pollers(),
                        functions.timeoutSeconds(other.function()), options.visibilitySeconds(), false));
            }
        }
        operatorPolicy = template.httpRoutes().stream().findFirst()
                .map(r -> OperatorPolicy.fromEnv(new Env(functions.environment(r.function()))))
                .orElse(OperatorPolicy.defaults());
    }

    /**
     * The settings of {@code processEnv} that reach the functions: every tunable one (README, Configuration) that is
     * set; the stack wires the others (tables, queues, endpoints, auth) itself.
     */
    public static Map<String, String> passThrough(Map<String, String> processEnv) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Setting setting : Setting.values()) {
            String v = processEnv.get(setting.name());
            if (setting.tunable() && v != null && !v.isBlank()) {
                env.put(setting.name(), v);
            }
        }
        return env;
    }

    private static void createDirectory(Path directory) {
        try {
            java.nio.file.Files.createDirectories(directory);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot create the data directory " + directory + ": " + e, e);
        }
    }

    public static LocalStack start(Options options) {
        return new LocalStack(options);
    }

    public String webSocketUrl() {
        return gateway.webSocketUrl();
    }

    public String callbackUrl() {
        return gateway.callbackUrl();
    }

    /** The browser chat page (served with the development token endpoint, local stack only). */
    public String pageUrl() {
        return "http://127.0.0.1:" + gateway.port() + "/";
    }

    public DevTokens tokens() {
        return tokens;
    }

    /** The operator HTTP API's base URL, e.g. {@code http://127.0.0.1:8080/ops} ({@code GET /ops/health}). */
    public String operatorUrl() {
        return OperatorRoutes.baseUrl(gateway.port());
    }

    /** A development token that the operator API accepts (it carries the operator claim this stack expects). */
    public String operatorToken(String operatorId, Duration validFor) {
        return tokens.issueOperator(operatorId, validFor, operatorPolicy);
    }

    public DynamoDbClient dynamo() {
        return dynamo.client();
    }

    public SqsClient sqs() {
        return sqs.client();
    }

    /** Queue URL by the queue's logical id in template.yaml. */
    public String queueUrl(String logicalId) {
        return queueUrls.get(logicalId);
    }

    /** The environment a function of template.yaml was built with here. */
    public Map<String, String> environment(String function) {
        return functions.environment(function);
    }

    /**
     * Invokes a function's handler in this stack directly, as Lambda would with a timeout of {@code timeoutSeconds}
     * (fault tests: a delivery of a queue record made by hand, a worker run cut short); an invocation still running
     * at the timeout is ended (interrupted) and this throws.
     */
    public <I, O> O invoke(String function, I event, int timeoutSeconds) {
        return functions.invoke(function, event, timeoutSeconds);
    }

    public int openConnections() {
        return gateway.openConnections();
    }

    public long workerInvocations() {
        return poller.invocations();
    }

    /**
     * Turns-queue batches whose worker invocation ran into the worker's timeout and was ended, as Lambda ends it
     * (interrupted, its result discarded, its records left to come back after their visibility).
     */
    public long workerTimeouts() {
        return poller.timeouts();
    }

    /** Invocations of any function that this stack ended at their timeout (by the pollers or {@link #invoke}). */
    public long timedOutInvocations() {
        return functions.timeouts();
    }

    /** The worker function's timeout here: template.yaml's {@code WorkerTimeoutSeconds}, or the options' override. */
    public int workerTimeoutSeconds() {
        return functions.timeoutSeconds(workerFunction);
    }

    /** Turn-queue records the worker received again after a failed or timed-out delivery. */
    public long workerRedeliveries() {
        return poller.redeliveries();
    }

    /** Empty batches the worker got from the local sweep schedule (it sends the jobs held for the queue). */
    public long workerSweeps() {
        return poller.sweeps();
    }

    /** Records per worker invocation at most (the options' batch size, or template.yaml's). */
    public int workerBatchSize() {
        return workerBatchSize;
    }

    /**
     * Whether the worker's queues (turns and user data) hold nothing, neither waiting nor in flight: every record handed
     * to the worker has been answered and deleted (a turn's follow-up job is queued before its turn's record is deleted).
     */
    public boolean workerIdle() {
        return idle(workerQueueUrl) && otherQueueUrls.stream().allMatch(this::idle);
    }

    /** Whether the queue of {@code logicalId} (template.yaml) holds nothing, neither waiting nor in flight. */
    public boolean queueIdle(String logicalId) {
        return idle(queueUrls.get(logicalId));
    }

    private boolean idle(String queueUrl) {
        Map<QueueAttributeName, String> counts = sqs.client().getQueueAttributes(b -> b.queueUrl(queueUrl)
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
        return counts.size() == 2 && counts.values().stream().allMatch("0"::equals);
    }

    /** Worker invocations by the other event sources (the user-data queue's batches). */
    public long userDataInvocations() {
        return otherPollers.stream().mapToLong(QueuePoller::invocations).sum();
    }

    /**
     * From now on, build the worker's handler, its whole composition root, for each invocation and close it after
     * ({@code true}), or go back to the one built at start: the per-request baseline of the load benchmark's tier
     * ratio (docs/performance.md).
     */
    public void composeWorkerPerInvocation(boolean on) {
        functions.composePerInvocation(workerFunction, on);
    }

    /** From now on, {@code listener} is told of every function invocation's wall time. */
    public void addInvocationListener(InvocationListener listener) {
        functions.addInvocationListener(listener);
    }

    /** A function's MemorySize in template.yaml (MB). */
    public int memoryMb(String function) {
        return functions.memoryMb(function);
    }

    /**
     * From now on, {@code function} is served by the handler {@code factory} builds with the function's Env (its
     * tables, queues, endpoints and AWS interceptors) instead of its own: the load benchmark's floor path.
     */
    public void substituteHandler(String function, java.util.function.Function<Env, Object> factory) {
        functions.substitute(function, factory);
    }

    /** The worker handlers built per invocation so far. */
    public Compositions workerCompositions() {
        return functions.perInvocationCompositions();
    }

    @Override
    public void close() {
        poller.close();
        otherPollers.forEach(QueuePoller::close);
        gateway.close();
        sqs.close();
        dynamo.close();
    }

    @Command(name = "local-stack", mixinStandardHelpOptions = true,
            description = "Runs Switchboard locally: DynamoDB Local, ElasticMQ, the WebSocket gateway and the worker.")
    static final class Cli implements Callable<Integer> {
        @Option(names = "--port", description = "WebSocket gateway port (default: ${DEFAULT-VALUE})")
        int port = 8080;

        @Option(names = "--stage", description = "stage, the URL path (default: ${DEFAULT-VALUE})")
        String stage = "local";

        @Option(names = "--user", description = "user id of the printed development token (default: ${DEFAULT-VALUE})")
        String user = "dev-user";

        @Option(names = "--visibility-timeout", description = "turns queue visibility timeout in seconds; 0 = template.yaml's (default: ${DEFAULT-VALUE})")
        int visibility = 30;

        @Option(names = "--data-dir", description = "where the tables and queues are kept across restarts (default: ${DEFAULT-VALUE})")
        Path dataDir = DEFAULT_DATA_DIR;

        @Option(names = "--in-memory", description = "keep nothing: tables and queues in memory, gone when it stops")
        boolean inMemory;

        @Option(names = "--token-only", description = "print a development token for --user and exit")
        boolean tokenOnly;

        @Option(names = "--operator", description = "subject of the printed operator token (default: ${DEFAULT-VALUE})")
        String operator = "dev-operator";

        @Option(names = "--operator-token", description = "print an operator token (operator HTTP API) for --operator and exit")
        boolean operatorTokenOnly;

        @Override
        public Integer call() throws Exception {
            Map<String, String> env = new LinkedHashMap<>();
            env.putAll(passThrough(System.getenv()));
            String secret = System.getenv().getOrDefault(Setting.JWT_SECRET.name(), DEV_SECRET);
            if (tokenOnly) {
                System.out.println(new DevTokens(secret, DEV_ISSUER, DEV_AUDIENCE).issue(user, Duration.ofHours(12)));
                return 0;
            }
            if (operatorTokenOnly) {
                System.out.println(new DevTokens(secret, DEV_ISSUER, DEV_AUDIENCE).issueOperator(operator,
                        Duration.ofHours(12), OperatorPolicy.fromEnv(new Env(env))));
                return 0;
            }
            env.put(Setting.JWT_SECRET.name(), secret);
            Options options = new Options(port, stage, visibility, 2, env);
            LocalStack stack = LocalStack.start(inMemory ? options : options.withDataDir(dataDir));
            String token = stack.tokens().issue(user, Duration.ofHours(12));
            System.out.println();
            System.out.println("Switchboard local stack is up.");
            System.out.println("  data          : " + (inMemory ? "in memory (--in-memory)" : dataDir.toAbsolutePath()));
            System.out.println("  WebSocket URL : " + stack.webSocketUrl());
            System.out.println("  chat page     : " + stack.pageUrl());
            System.out.println("  @connections  : " + stack.callbackUrl() + "/@connections/{connectionId}");
            System.out.println("  models        : " + stack.environment("WorkerFunction").get(Setting.MODELS.name()));
            System.out.println("  dev token for '" + user + "' (12 h; another user: --user NAME --token-only):");
            System.out.println("    " + token);
            System.out.println("  try:  npx wscat -c '" + stack.webSocketUrl() + "?token=" + token + "'");
            System.out.println("        > {\"action\":\"sendMessage\",\"clientMessageId\":\"m1\",\"text\":\"Hello\"}");
            String operatorToken = stack.operatorToken(operator, Duration.ofHours(12));
            System.out.println("  operator API  : " + stack.operatorUrl() + "  (GET /health, GET /stats, /users/{id}/...)");
            System.out.println("  operator token for '" + operator + "' (12 h; alone: --operator-token):");
            System.out.println("    " + operatorToken);
            System.out.println("  try:  curl -H 'Authorization: Bearer " + operatorToken + "' " + stack.operatorUrl()
                    + "/stats");
            System.out.println("Ctrl-C stops it.");
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stack.close();
                stop.countDown();
            }));
            stop.await();
            return 0;
        }
    }

    public static void main(String[] args) {
        int code = new CommandLine(new Cli()).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }
}
