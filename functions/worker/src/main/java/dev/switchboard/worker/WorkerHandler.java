package dev.switchboard.worker;

import dev.switchboard.runtime.Priming;
import dev.switchboard.config.Setting;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.switchboard.adapter.apigw.ApiGatewayConnections;
import dev.switchboard.adapter.dynamodb.DynamoDbConnectionStore;
import dev.switchboard.adapter.dynamodb.DynamoDbDocumentStore;
import dev.switchboard.adapter.dynamodb.DynamoDbKnowledgeVersions;
import dev.switchboard.adapter.dynamodb.DynamoDbMemoryStore;
import dev.switchboard.adapter.dynamodb.DynamoDbMessageStore;
import dev.switchboard.adapter.sqs.SqsDeadLetters;
import dev.switchboard.adapter.sqs.SqsQueueRetries;
import dev.switchboard.adapter.sqs.SqsTurnQueue;
import dev.switchboard.agent.KnowledgeContextSource;
import dev.switchboard.agent.ModelCatalog;
import dev.switchboard.knowledge.KnowledgeRetriever;
import dev.switchboard.knowledge.MiniLmEmbedder;
import dev.switchboard.knowledge.UserKnowledgeCache;
import dev.switchboard.runtime.InitTimer;
import dev.switchboard.runtime.RequestIds;
import dev.switchboard.adapter.dynamodb.DynamoDbNoteStore;
import dev.switchboard.adapter.dynamodb.DynamoDbPendingTurns;
import dev.switchboard.usecase.ReliableTurnQueue;
import dev.switchboard.usecase.PendingSweep;
import dev.switchboard.usecase.CappedNoteStore;
import dev.switchboard.usecase.HoldingLimits;
import dev.switchboard.config.HoldingSettings;
import dev.switchboard.adapter.dynamodb.DynamoDbUserHoldings;
import dev.switchboard.tools.ToolRegistry;
import dev.switchboard.turn.UserDataJobs;
import dev.switchboard.usecase.TurnLimits;
import dev.switchboard.adapter.dynamodb.DynamoDbSessionStore;
import dev.switchboard.agent.AgentFactory;
import dev.switchboard.agent.ChatModels;
import dev.switchboard.adapter.secretsmanager.SecretsManagerSecretSource;
import dev.switchboard.config.Env;
import dev.switchboard.config.Secrets;
import dev.switchboard.config.LimitSettings;
import dev.switchboard.adapter.metrics.EmfMetrics;
import dev.switchboard.port.Metrics;
import dev.switchboard.usecase.UsageMetrics;
import dev.switchboard.adapter.dynamodb.DynamoDbUsageCounters;
import dev.switchboard.adapter.dynamodb.DynamoDbTurnStanding;
import dev.switchboard.adapter.dynamodb.DynamoDbUserQuotas;
import dev.switchboard.port.Clock;
import dev.switchboard.protocol.ProtocolCodec;
import dev.switchboard.adapter.aws.AwsClients;
import dev.switchboard.runtime.PerInvocation;
import dev.switchboard.runtime.WebSocketEvents;
import dev.switchboard.turn.TurnBatch;
import dev.switchboard.turn.TurnRunner;
import java.util.List;
import java.util.Map;
import org.crac.Core;
import org.crac.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.apigatewaymanagementapi.ApiGatewayManagementApiClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import dev.switchboard.port.QueueRetries;

/**
 * SQS-triggered worker: answers the queued turns of a FIFO batch and reports partial batch failures. Two event sources
 * feed it: the turns queue (turns and resumes) and the user-data queue (memory and index jobs, which need the
 * embedding model this function holds); {@link TurnBatch} runs each record by its kind, whichever queue it came from. Closing it releases
 * what its composition root built; Lambda never does, a host that builds one handler per invocation does
 * ({@link PerInvocation}).
 */
public final class WorkerHandler implements RequestHandler<SQSEvent, SQSBatchResponse>, Resource, AutoCloseable {
    public static final List<String> REQUIRED_ENV = List.of(
            Setting.CONNECTIONS_TABLE.name(), Setting.SESSIONS_TABLE.name(), Setting.MESSAGES_TABLE.name(), Setting.USER_DATA_TABLE.name(), Setting.CALLBACK_URL.name(),
            Setting.TURNS_QUEUE_URL.name(), Setting.USER_DATA_QUEUE_URL.name());
    private static final Logger LOG = LoggerFactory.getLogger(WorkerHandler.class);
    /** Assumed time left when there is no Lambda context (priming, local tools). */
    private static final long DEFAULT_REMAINING_MILLIS = 60_000;

    private final TurnBatch batch;
    /** Sweeps the jobs held because the queue refused them (null: a handler built around a batch alone). */
    private final PendingSweep sweep;
    private final UserKnowledgeCache userCache;
    private final Metrics metrics;
    private final UsageMetrics usage;
    /** The user cache's counters at the last report (the usage counters take deltas). */
    private final CacheReport reportedCache = new CacheReport();
    private final long initMillis;
    /** What the composition root built that holds connections, threads or native memory (closed by {@link #close}). */
    private final List<AutoCloseable> resources;
    /** The model API key, when it comes from Secrets Manager: read again after a restore. */
    private final Secrets secrets;
    /** Whether this execution environment has served an invocation yet (the first one is a cold start). */
    private final java.util.concurrent.atomic.AtomicBoolean warm = new java.util.concurrent.atomic.AtomicBoolean();

    /** Lambda's entry point: the composition root. */
    public WorkerHandler() {
        this(Env.system());
    }

    public WorkerHandler(Env env) {
        this(compose(env));
        Core.getGlobalContext().register(this);
    }

    WorkerHandler(Composition c) {
        this.batch = c.batch();
        this.sweep = c.sweep();
        this.userCache = c.userCache();
        this.metrics = c.metrics();
        this.usage = c.usage();
        this.initMillis = c.initMillis();
        this.resources = c.resources();
        this.secrets = c.secrets();
    }

    /**
     * The worker's object graph: the batch use case, the user-tier cache whose counters each batch logs, and the
     * resources to release on {@link #close}, in closing order.
     */
    record Composition(TurnBatch batch, UserKnowledgeCache userCache, Metrics metrics, UsageMetrics usage,
                       long initMillis, List<AutoCloseable> resources, PendingSweep sweep, Secrets secrets) {}

    /**
     * The global tier, built once per execution environment (and snapshotted by SnapStart): clients, stores, the
     * model allow-list, the tool registry (MCP clients included), the embedding model and the user-tier cache. The
     * time each part takes is logged once. With {@link PerInvocation} in {@code env} the embedding model is loaded
     * anew ({@link MiniLmEmbedder#ownCopy()}) instead of reusing the process-wide one.
     */
    static Composition compose(Env env) {
        InitTimer init = new InitTimer();
        EmfMetrics emf = EmfMetrics.stdout(env.text(Setting.METRICS_NAMESPACE), "worker");
        ProtocolCodec codec = init.time("codec", ProtocolCodec::new);
        DynamoDbClient dynamo = init.time("dynamoDbClient", () -> AwsClients.dynamoDb(env));
        ApiGatewayManagementApiClient connectionsClient = init.time("connectionsClient",
                () -> AwsClients.connections(env));
        var connectionsApi = new ApiGatewayConnections(connectionsClient);
        SqsClient sqs = init.time("sqsClient", () -> AwsClients.sqs(env));
        String userData = env.require(Setting.USER_DATA_TABLE);
        var pending = new DynamoDbPendingTurns(dynamo, userData, codec.mapper());
        var sessions = new DynamoDbSessionStore(dynamo, env.require(Setting.SESSIONS_TABLE));
        // the sessions carry the hold marks of their held jobs (the sweep clears them)
        var queue = new ReliableTurnQueue(SqsTurnQueue.turnsAndUserData(sqs, env, codec.mapper()),
                pending, sessions, env.integer(Setting.ENQUEUE_ATTEMPTS),
                env.integer(Setting.ENQUEUE_BACKOFF_MILLIS));
        var messages = new DynamoDbMessageStore(dynamo, env.require(Setting.MESSAGES_TABLE),
                env.integer(Setting.MESSAGE_RETENTION_DAYS));
        var connections = new DynamoDbConnectionStore(dynamo, env.require(Setting.CONNECTIONS_TABLE));
        var memories = new DynamoDbMemoryStore(dynamo, userData);
        var documents = new DynamoDbDocumentStore(dynamo, userData);
        var versions = new DynamoDbKnowledgeVersions(dynamo, userData);
        var usage = new UsageMetrics(new DynamoDbUsageCounters(dynamo, userData), Clock.SYSTEM);
        Metrics metrics = UsageMetrics.fanOut(List.of(emf, usage));
        Secrets secrets = SecretsManagerSecretSource.secretsOf(env);
        ModelCatalog models = init.time("models", () -> ChatModels.catalogFromEnv(env, secrets));
        ToolRegistry tools = init.time("tools", () -> ToolRegistry.fromEnv(env, Clock.SYSTEM,
                new CappedNoteStore(new DynamoDbNoteStore(dynamo, userData), new HoldingLimits(
                        new DynamoDbUserHoldings(dynamo, userData), HoldingSettings.fromEnv(env)))));
        MiniLmEmbedder embedder = init.time("embeddingModel", () -> {
            MiniLmEmbedder e = env.extra(PerInvocation.class).isPresent() ? MiniLmEmbedder.ownCopy()
                    : new MiniLmEmbedder();
            e.embed("warm up"); // loads the ONNX session and the tokenizer now, not in the first turn
            return e;
        });
        UserKnowledgeCache cache = init.time("userCache", () -> UserKnowledgeCache.fromEnv(env, memories, documents));
        var context = new KnowledgeContextSource(new KnowledgeRetriever(embedder, cache), cache, versions,
                env.integer(Setting.USER_CACHE_SIZE),
                java.time.Duration.ofSeconds(env.integer(Setting.USER_CACHE_TTL_SECONDS)));
        var limits = new TurnLimits(new DynamoDbUserQuotas(dynamo, userData), LimitSettings.fromEnv(env));
        var jobs = new UserDataJobs(messages, sessions, memories, documents, versions, cache, embedder, models, queue,
                connections, connectionsApi, codec, Clock.SYSTEM, limits);
        TurnRunner runner = new TurnRunner(messages, sessions, connections, connectionsApi,
                new AgentFactory(models, env.text(Setting.SYSTEM_PROMPT), tools, context),
                codec, Clock.SYSTEM,
                TurnSettingsFromEnv.read(env),
                jobs.afterAnswer(), metrics, limits, new DynamoDbTurnStanding(dynamo, userData));
        tools.initMillis().forEach((source, millis) -> init.record("tools." + source, millis));
        init.log(LOG);
        var retries = new SqsQueueRetries(sqs, List.of(env.require(Setting.TURNS_QUEUE_URL),
                env.require(Setting.USER_DATA_QUEUE_URL)));
        // a turn given up is moved to the turns queue's dead-letter queue by the worker (hand-offs spend receives, so the
        // queue's own redrive comes later than the give-up); a job's queue redrives it at its give-up
        var deadLetters = new SqsDeadLetters(sqs, Map.of(env.require(Setting.TURNS_QUEUE_URL),
                env.require(Setting.DEAD_LETTER_QUEUE_URL)));
        return new Composition(new TurnBatch(runner, codec.mapper(), jobs, retries,
                env.integer(Setting.FAILED_RECORD_RETRY_SECONDS), deadLetters), cache, metrics, usage, init.totalMillis(),
                List.of(tools, embedder, dynamo, sqs, connectionsClient), new PendingSweep(queue, pending), secrets);
    }

    public WorkerHandler(TurnBatch batch) {
        this.batch = batch;
        this.sweep = null;
        this.userCache = null;
        this.metrics = Metrics.NONE;
        this.usage = null;
        this.initMillis = 0;
        this.resources = List.of();
        this.secrets = Secrets.none();
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        try (var log = RequestIds.of(context).open()) {
            List<TurnBatch.QueuedTurn> records = event.getRecords() == null ? List.of() : event.getRecords().stream()
                    .map(r -> new TurnBatch.QueuedTurn(r.getMessageId(), attribute(r, "MessageGroupId"), r.getBody(),
                            receiveCount(r), receipt(r)))
                    .toList();
            if (context != null && !warm.getAndSet(true)) {
                metrics.coldStart(initMillis);
            }
            if (records.isEmpty() && sweep != null) {
                sweep.sweep(); // the sweep schedule's event (template.yaml: an empty batch every minute)
                return SQSBatchResponse.builder().withBatchItemFailures(List.of()).build();
            }
            List<String> failed;
            try {
                failed = batch.process(records,
                        () -> context == null ? DEFAULT_REMAINING_MILLIS : context.getRemainingTimeInMillis());
            } finally {
                reportUsage();
            }
            if (userCache == null) {
                LOG.info("batch of {} done, {} failed", records.size(), failed.size());
            } else {
                UserKnowledgeCache.Stats s = userCache.stats();
                LOG.info("batch of {} done, {} failed; user cache hits={} misses={} evictions={} hitRate={}",
                        records.size(), failed.size(), s.hits(), s.misses(), s.evictions(),
                        String.format(java.util.Locale.ROOT, "%.3f", s.hitRate()));
            }
            return SQSBatchResponse.builder()
                    .withBatchItemFailures(failed.stream().map(id -> new SQSBatchResponse.BatchItemFailure(id)).toList())
                    .build();
        }
    }

    /** The invocation's figures, with the user cache's, to the shared usage counters: one write (however it ended). */
    private void reportUsage() {
        if (userCache != null) {
            reportCache(userCache.stats());
        }
        if (usage != null) {
            usage.flush();
        }
    }

    /** Releases what the composition root built: MCP clients, the embedding model's own copy, the AWS clients. */
    @Override
    public void close() {
        for (AutoCloseable r : resources) {
            try {
                r.close();
            } catch (Exception e) {
                LOG.warn("closing {} failed: {}", r.getClass().getSimpleName(), e.toString());
            }
        }
    }

    /** Sends the cache's hits and misses since the last report, and its size, to the shared usage counters. */
    private void reportCache(UserKnowledgeCache.Stats s) {
        CacheReport.Since since = reportedCache.since(s);
        if (usage != null && (since.hits() > 0 || since.misses() > 0)) {
            usage.userCache(since.hits(), since.misses(), userCache.estimatedSize());
        }
    }

    private static String attribute(SQSEvent.SQSMessage r, String name) {
        Map<String, String> a = r.getAttributes();
        return a == null ? null : a.get(name);
    }

    /** Where the record came from and its receipt handle, so a failure can bring it back sooner (none: a hand-made event). */
    private static QueueRetries.Receipt receipt(SQSEvent.SQSMessage r) {
        return r.getEventSourceArn() == null || r.getReceiptHandle() == null ? null
                : new QueueRetries.Receipt(r.getEventSourceArn(), r.getReceiptHandle());
    }

    private static int receiveCount(SQSEvent.SQSMessage r) {
        String v = attribute(r, "ApproximateReceiveCount");
        try {
            return v == null ? 1 : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    /**
     * Primes the real path with a turn of a user no token can carry (one read finds nothing, nothing is written), then
     * builds an agent and serialises the streamed events without calling the model.
     */
    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        SQSEvent.SQSMessage m = new SQSEvent.SQSMessage();
        m.setMessageId("priming");
        m.setBody("{\"userId\":\"" + WebSocketEvents.PRIMING_USER
                + "\",\"sessionId\":\"priming\",\"turnId\":\"0\",\"clientMessageId\":\"priming\",\"enqueuedAt\":0}");
        m.setAttributes(Map.of("MessageGroupId", "priming", "ApproximateReceiveCount", "1"));
        SQSEvent e = new SQSEvent();
        e.setRecords(List.of(m));
        prime(e);
    }

    /** The priming steps; returns how many failed (logged, never thrown: see {@link Priming}). */
    int prime(SQSEvent primingEvent) {
        return Priming.run("worker", () -> handleRequest(primingEvent, null), batch::prime);
    }

    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        // turn ids are made by the message function; the worker holds nothing random or unique. The snapshot's API
        // key may have been rotated since it was taken.
        secrets.refresh();
    }
}
