package dev.switchboard.message;

import dev.switchboard.runtime.Priming;
import dev.switchboard.config.HoldingSettings;
import dev.switchboard.config.LimitSettings;
import dev.switchboard.adapter.dynamodb.DynamoDbUserHoldings;
import dev.switchboard.usecase.HoldingLimits;
import dev.switchboard.usecase.ReliableTurnQueue;
import dev.switchboard.adapter.dynamodb.DynamoDbPendingTurns;
import dev.switchboard.config.Setting;
import dev.switchboard.usecase.ModelListing;
import dev.switchboard.config.ModelIds;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketResponse;
import dev.switchboard.adapter.dynamodb.DynamoDbDocumentStore;
import dev.switchboard.adapter.dynamodb.DynamoDbKnowledgeVersions;
import dev.switchboard.adapter.dynamodb.DynamoDbMemoryStore;
import dev.switchboard.adapter.dynamodb.DynamoDbMessageStore;
import dev.switchboard.usecase.TurnLimits;
import dev.switchboard.usecase.UserKnowledgeActions;
import dev.switchboard.adapter.dynamodb.DynamoDbUsageCounters;
import dev.switchboard.adapter.dynamodb.DynamoDbTurnAdmissions;
import dev.switchboard.adapter.dynamodb.DynamoDbUserQuotas;
import dev.switchboard.usecase.MemoryCommand;
import dev.switchboard.adapter.dynamodb.DynamoDbSessionStore;
import dev.switchboard.adapter.sqs.SqsTurnQueue;
import dev.switchboard.config.Env;
import dev.switchboard.adapter.metrics.EmfMetrics;
import dev.switchboard.port.Metrics;
import dev.switchboard.port.Clock;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.ProtocolCodec;
import dev.switchboard.protocol.ServerEvent;
import dev.switchboard.adapter.aws.AwsClients;
import dev.switchboard.domain.Ids;
import dev.switchboard.runtime.RequestIds;
import dev.switchboard.runtime.WebSocketEvents;
import dev.switchboard.usecase.ChatIngress;
import java.util.List;
import org.crac.Core;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import org.crac.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every client action route (the actions of docs/protocol.md, and {@code $default}): one frame in, one event back as
 * the route response. Returns within milliseconds;
 * answers are streamed by the worker.
 */
public final class MessageHandler
        implements RequestHandler<APIGatewayV2WebSocketEvent, APIGatewayV2WebSocketResponse>, Resource {
    public static final List<String> REQUIRED_ENV = List.of(Setting.SESSIONS_TABLE.name(), Setting.MESSAGES_TABLE.name(), Setting.TURNS_QUEUE_URL.name(),
            Setting.USER_DATA_TABLE.name(), Setting.USER_DATA_QUEUE_URL.name());
    private static final Logger LOG = LoggerFactory.getLogger(MessageHandler.class);

    private final ChatIngress ingress;
    private final ProtocolCodec codec;
    private final Ids ids;
    private final Metrics metrics;
    private final long initMillis;
    /** Whether this execution environment has served a request yet (the first one is a cold start). */
    private final java.util.concurrent.atomic.AtomicBoolean warm = new java.util.concurrent.atomic.AtomicBoolean();

    /** Lambda's entry point: the composition root. */
    public MessageHandler() {
        this(Env.system());
    }

    public MessageHandler(Env env) {
        this(env, new ProtocolCodec(), new Ids(), System.nanoTime());
        Core.getGlobalContext().register(this);
    }

    private MessageHandler(Env env, ProtocolCodec codec, Ids ids, long started) {
        this(ingress(env, codec, ids, AwsClients.dynamoDb(env)), codec, ids,
                EmfMetrics.stdout(env.text(Setting.METRICS_NAMESPACE), "message"),
                (System.nanoTime() - started) / 1_000_000);
    }

    private static ChatIngress ingress(Env env, ProtocolCodec codec, Ids ids, DynamoDbClient dynamo) {
        var sessions = new DynamoDbSessionStore(dynamo, env.require(Setting.SESSIONS_TABLE));
        var messages = new DynamoDbMessageStore(dynamo, env.require(Setting.MESSAGES_TABLE),
                env.integer(Setting.MESSAGE_RETENTION_DAYS));
        String userData = env.require(Setting.USER_DATA_TABLE);
        var queue = new ReliableTurnQueue(
                SqsTurnQueue.turnsAndUserData(AwsClients.sqs(env), env, codec.mapper()),
                new DynamoDbPendingTurns(dynamo, userData, codec.mapper()), sessions,
                env.integer(Setting.ENQUEUE_ATTEMPTS), env.integer(Setting.ENQUEUE_BACKOFF_MILLIS));
        var holdings = new HoldingLimits(new DynamoDbUserHoldings(dynamo, userData), HoldingSettings.fromEnv(env));
        var knowledge = new UserKnowledgeActions(new DynamoDbMemoryStore(dynamo, userData),
                new DynamoDbDocumentStore(dynamo, userData), new DynamoDbKnowledgeVersions(dynamo, userData), queue,
                Clock.SYSTEM, holdings);
        ModelListing models = ModelListing.of(ModelIds.fromEnv(env));
        var quotas = new DynamoDbUserQuotas(dynamo, userData);
        return new ChatIngress(codec, sessions, messages, queue, ids, Clock.SYSTEM, models,
                ChatIngress.defaultCommands(sessions, messages, models, new MemoryCommand(knowledge)), knowledge,
                new TurnLimits(quotas, LimitSettings.fromEnv(env)), holdings, new DynamoDbUsageCounters(dynamo, userData),
                new DynamoDbTurnAdmissions(dynamo, sessions, messages, quotas));
    }

    public MessageHandler(ChatIngress ingress, ProtocolCodec codec, Ids ids) {
        this(ingress, codec, ids, Metrics.NONE, 0);
    }

    public MessageHandler(ChatIngress ingress, ProtocolCodec codec, Ids ids, Metrics metrics, long initMillis) {
        this.ingress = ingress;
        this.codec = codec;
        this.ids = ids;
        this.metrics = metrics;
        this.initMillis = initMillis;
    }

    @Override
    public APIGatewayV2WebSocketResponse handleRequest(APIGatewayV2WebSocketEvent event, Context context) {
        RequestIds ids = RequestIds.of(event);
        String userId = ids.userId();
        try (var log = ids.open()) {
            ServerEvent reply;
            if (userId == null) {
                reply = ServerEvent.Error.of(ErrorCode.INTERNAL, "No authorised user on this connection");
            } else {
                try {
                    reply = ingress.handle(userId, ids.connectionId(),
                            WebSocketEvents.tokenExpiresAt(event), event.getBody());
                } catch (RuntimeException e) {
                    LOG.error("action failed: {}", e.getClass().getSimpleName(), e);
                    reply = ServerEvent.Error.of(ErrorCode.INTERNAL, "Something went wrong; the request can be retried");
                }
            }
            // priming runs without a context: it must not use up the environment's cold start
            if (context != null && !warm.getAndSet(true)) {
                metrics.coldStart(initMillis);
            }
            if (reply instanceof ServerEvent.Error e) {
                metrics.error(e.code());
            }
            return WebSocketEvents.response(200, codec.write(reply), null);
        }
    }

    /** Primes the real path with a ping and a history read of a user no token can carry; writes nothing. */
    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        prime();
    }

    /** The priming steps; returns how many failed (logged, never thrown: see {@link Priming}). */
    int prime() {
        return Priming.run("message",
                () -> handleRequest(WebSocketEvents.primingEvent("ping", "{\"action\":\"ping\"}"), null),
                () -> handleRequest(WebSocketEvents.primingEvent("getHistory",
                        "{\"action\":\"getHistory\",\"sessionId\":\"priming\"}"), null));
    }

    /** Restored copies of one snapshot must not share a random sequence (turn ids). */
    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        ids.reseed();
    }
}
