package dev.switchboard.worker;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.switchboard.adapter.apigw.ApiGatewayConnections;
import dev.switchboard.adapter.dynamodb.DynamoDbConnectionStore;
import dev.switchboard.adapter.dynamodb.DynamoDbMessageStore;
import dev.switchboard.adapter.dynamodb.DynamoDbSessionStore;
import dev.switchboard.agent.AgentFactory;
import dev.switchboard.agent.ChatModels;
import dev.switchboard.config.Env;
import dev.switchboard.log.LogContext;
import dev.switchboard.port.Clock;
import dev.switchboard.protocol.ProtocolCodec;
import dev.switchboard.runtime.AwsClients;
import dev.switchboard.runtime.WebSocketEvents;
import dev.switchboard.usecase.TurnBatch;
import dev.switchboard.usecase.TurnRunner;
import java.util.List;
import java.util.Map;
import org.crac.Core;
import org.crac.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** SQS-triggered worker: answers the queued turns of a FIFO batch and reports partial batch failures. */
public final class WorkerHandler implements RequestHandler<SQSEvent, SQSBatchResponse>, Resource {
    public static final List<String> REQUIRED_ENV = List.of(
            Env.CONNECTIONS_TABLE, Env.SESSIONS_TABLE, Env.MESSAGES_TABLE, Env.CALLBACK_URL);
    private static final Logger LOG = LoggerFactory.getLogger(WorkerHandler.class);
    /** Assumed time left when there is no Lambda context (priming, local tools). */
    private static final long DEFAULT_REMAINING_MILLIS = 60_000;

    private final TurnBatch batch;

    /** Lambda's entry point: the composition root. */
    public WorkerHandler() {
        this(Env.system());
    }

    public WorkerHandler(Env env) {
        this(env, AwsClients.dynamoDb(env), new ProtocolCodec());
        Core.getGlobalContext().register(this);
    }

    private WorkerHandler(Env env, DynamoDbClient dynamo, ProtocolCodec codec) {
        this(new TurnBatch(new TurnRunner(
                new DynamoDbMessageStore(dynamo, env.require(Env.MESSAGES_TABLE)),
                new DynamoDbSessionStore(dynamo, env.require(Env.SESSIONS_TABLE)),
                new DynamoDbConnectionStore(dynamo, env.require(Env.CONNECTIONS_TABLE)),
                new ApiGatewayConnections(AwsClients.connections(env)),
                new AgentFactory(ChatModels.fromEnv(env), env.get(Env.SYSTEM_PROMPT, AgentFactory.DEFAULT_SYSTEM_PROMPT)),
                codec, Clock.SYSTEM,
                new TurnRunner.Settings(env.getInt(Env.HISTORY_WINDOW, 20), env.getInt(Env.DELTA_FLUSH_MILLIS, 100),
                        env.getInt(Env.DELTA_MAX_BYTES, 2048), env.getInt(Env.MAX_RECEIVE_COUNT, 3))),
                codec.mapper()));
    }

    public WorkerHandler(TurnBatch batch) {
        this.batch = batch;
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        try (var log = LogContext.open(context == null ? null : context.getAwsRequestId(), null, null)) {
            List<TurnBatch.QueuedTurn> records = event.getRecords() == null ? List.of() : event.getRecords().stream()
                    .map(r -> new TurnBatch.QueuedTurn(r.getMessageId(), attribute(r, "MessageGroupId"), r.getBody(),
                            receiveCount(r)))
                    .toList();
            List<String> failed = batch.process(records,
                    () -> context == null ? DEFAULT_REMAINING_MILLIS : context.getRemainingTimeInMillis());
            LOG.info("batch of {} done, {} failed", records.size(), failed.size());
            return SQSBatchResponse.builder()
                    .withBatchItemFailures(failed.stream().map(id -> new SQSBatchResponse.BatchItemFailure(id)).toList())
                    .build();
        }
    }

    private static String attribute(SQSEvent.SQSMessage r, String name) {
        Map<String, String> a = r.getAttributes();
        return a == null ? null : a.get(name);
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
        handleRequest(e, null);
        batch.prime();
    }

    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        // turn ids are made by the message function; the worker holds nothing random or unique
    }
}
