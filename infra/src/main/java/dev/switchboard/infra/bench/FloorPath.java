package dev.switchboard.infra.bench;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketResponse;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.adapter.aws.AwsClients;
import dev.switchboard.agent.BenchChatModel;
import dev.switchboard.config.Env;
import dev.switchboard.config.Setting;
import dev.switchboard.infra.LocalStack;
import dev.switchboard.protocol.ProtocolCodec;
import dev.switchboard.protocol.ServerEvent;
import dev.switchboard.runtime.WebSocketEvents;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.apigatewaymanagementapi.ApiGatewayManagementApiClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The floor of the load benchmark (issue 14, {@code bench floor}): the least a chat turn can do on the same local
 * stack, to divide Switchboard's figures by. Bench code, not product code: it stands in for the message function and
 * the worker through {@link LocalStack#substituteHandler}, so the same gateway, authorizer, emulators, poller and AWS
 * clients (counted the same way) carry it. A turn is: the gateway → one conditional PutItem of the user message and
 * one SendMessage to the turns queue (the session its FIFO group) → the accepted reply; the poller → the bench
 * model's tokens on the bench model's schedule, posted as deltas at the worker's flush intervals to the sending
 * connection → one PutItem of the answer → done. No session, ownership, limits, history, memory, cancel or resume.
 */
final class FloorPath {
    private FloorPath() {}

    /** Serves the stack's message and worker functions with the floor's handlers from now on. */
    static void install(LocalStack stack) {
        stack.substituteHandler(LoadBenchmark.MESSAGE_FUNCTION, Ingress::new);
        stack.substituteHandler(LoadBenchmark.WORKER_FUNCTION, Worker::new);
    }

    private static Map<String, AttributeValue> item(String userId, String sessionId, String sk, String text) {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        item.put("pk", AttributeValue.fromS(userId + "#" + sessionId));
        item.put("sk", AttributeValue.fromS(sk));
        item.put("text", AttributeValue.fromS(text));
        return item;
    }

    /** What both floor functions hold: the protocol codec, the DynamoDB client and the messages table. */
    abstract static class Function {
        final ProtocolCodec codec = new ProtocolCodec();
        final DynamoDbClient dynamo;
        final String table;

        Function(Env env) {
            dynamo = AwsClients.dynamoDb(env);
            table = env.require(Setting.MESSAGES_TABLE);
        }
    }

    /** The message function's stand-in: one conditional PutItem, one SendMessage, the accepted reply. */
    static final class Ingress extends Function
            implements RequestHandler<APIGatewayV2WebSocketEvent, APIGatewayV2WebSocketResponse> {
        private final SqsClient sqs;
        private final String queueUrl;

        Ingress(Env env) {
            super(env);
            sqs = AwsClients.sqs(env);
            queueUrl = env.require(Setting.TURNS_QUEUE_URL);
        }

        @Override
        public APIGatewayV2WebSocketResponse handleRequest(APIGatewayV2WebSocketEvent event, Context context) {
            try {
                JsonNode m = codec.mapper().readTree(event.getBody());
                String userId = WebSocketEvents.userId(event);
                String given = m.path("sessionId").asText("");
                String sessionId = given.isEmpty() ? UUID.randomUUID().toString() : given;
                String clientMessageId = m.path("clientMessageId").asText();
                String turnId = clientMessageId; // stable: a repeated send is the same turn
                boolean duplicate = false;
                try {
                    dynamo.putItem(b -> b.tableName(table)
                            .item(item(userId, sessionId, "floor#" + turnId + "#user",
                                    m.path("text").asText()))
                            .conditionExpression("attribute_not_exists(pk)"));
                } catch (ConditionalCheckFailedException e) {
                    duplicate = true;
                }
                if (!duplicate) {
                    String body = codec.mapper().createObjectNode().put("userId", userId).put("sessionId", sessionId)
                            .put("turnId", turnId).put("connectionId", WebSocketEvents.connectionId(event))
                            .toString();
                    sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody(body).messageGroupId(sessionId)
                            .messageDeduplicationId(turnId));
                }
                return WebSocketEvents.response(200, codec.write(new ServerEvent.Accepted(sessionId, turnId,
                        clientMessageId, duplicate)), Map.of());
            } catch (java.io.IOException e) {
                throw new IllegalStateException("floor: unreadable frame", e);
            }
        }
    }

    /**
     * The worker's stand-in: the records of a batch at once, one session's in order; each streams the bench model's
     * tokens (its words, first-token delay and rate from the bench settings) as deltas at the worker's flush
     * intervals (the first at once, each later wait doubling up to the maximum), stores the answer, posts done.
     */
    static final class Worker extends Function implements RequestHandler<SQSEvent, SQSBatchResponse> {
        private final ApiGatewayManagementApiClient connections;
        private final long firstTokenNanos;
        private final long intervalNanos;
        private final int answerTokens;
        private final long flushNanos;
        private final long maxFlushNanos;

        Worker(Env env) {
            super(env);
            connections = AwsClients.connections(env);
            firstTokenNanos = TimeUnit.MILLISECONDS.toNanos(env.integer(Setting.BENCH_FIRST_TOKEN_MILLIS));
            int rate = env.integer(Setting.BENCH_TOKENS_PER_SECOND);
            intervalNanos = rate > 0 ? (long) (1e9 / rate) : 0;
            answerTokens = Math.max(1, env.integer(Setting.BENCH_ANSWER_TOKENS));
            flushNanos = TimeUnit.MILLISECONDS.toNanos(env.integer(Setting.DELTA_FLUSH_MILLIS));
            maxFlushNanos = Math.max(flushNanos, TimeUnit.MILLISECONDS.toNanos(
                    env.integer(Setting.DELTA_FLUSH_MAX_MILLIS)));
        }

        @Override
        public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
            List<SQSEvent.SQSMessage> records = event.getRecords() == null ? List.of() : event.getRecords();
            Map<String, List<SQSEvent.SQSMessage>> groups = new LinkedHashMap<>();
            for (SQSEvent.SQSMessage r : records) {
                String group = r.getAttributes() == null ? r.getMessageId()
                        : r.getAttributes().getOrDefault("MessageGroupId", r.getMessageId());
                groups.computeIfAbsent(group, g -> new ArrayList<>()).add(r);
            }
            List<SQSBatchResponse.BatchItemFailure> failures = java.util.Collections.synchronizedList(
                    new ArrayList<>());
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> running = new ArrayList<>();
                for (List<SQSEvent.SQSMessage> group : groups.values()) {
                    running.add(threads.submit(() -> {
                        boolean failed = false;
                        for (SQSEvent.SQSMessage r : group) {
                            try {
                                if (!failed) {
                                    answer(codec.mapper().readTree(r.getBody()));
                                }
                            } catch (Exception e) {
                                failed = true; // the rest of the group after it, too, in order
                            }
                            if (failed) {
                                failures.add(new SQSBatchResponse.BatchItemFailure(r.getMessageId()));
                            }
                        }
                    }));
                }
            }
            return new SQSBatchResponse(new ArrayList<>(failures));
        }

        private void answer(JsonNode job) throws InterruptedException {
            String sessionId = job.path("sessionId").asText();
            String turnId = job.path("turnId").asText();
            String connectionId = job.path("connectionId").asText();
            long start = System.nanoTime();
            StringBuilder answer = new StringBuilder();
            StringBuilder pending = new StringBuilder();
            int seq = 0;
            long lastPost = 0;
            long wait = flushNanos;
            for (int i = 0; i < answerTokens; i++) {
                BenchChatModel.sleepUntil(start + firstTokenNanos + i * intervalNanos);
                String token = BenchChatModel.token(i);
                answer.append(token);
                pending.append(token);
                long now = System.nanoTime();
                if (seq == 0 || now - lastPost >= wait) {
                    if (seq > 0) {
                        wait = Math.min(maxFlushNanos, wait * 2);
                    }
                    post(connectionId, new ServerEvent.Delta(sessionId, turnId, seq++, pending.toString(), null));
                    pending.setLength(0);
                    lastPost = now;
                }
            }
            if (!pending.isEmpty()) {
                post(connectionId, new ServerEvent.Delta(sessionId, turnId, seq++, pending.toString(), null));
            }
            String userId = job.path("userId").asText();
            dynamo.putItem(b -> b.tableName(table)
                    .item(item(userId, sessionId, "floor#" + turnId + "#assistant", answer.toString())));
            long total = (System.nanoTime() - start) / 1_000_000;
            post(connectionId, new ServerEvent.Done(sessionId, turnId, seq, "bench:floor", false, "STOP",
                    new ServerEvent.Usage(1, answerTokens, answerTokens + 1), new ServerEvent.Timings(0, 0, total)));
        }

        private void post(String connectionId, ServerEvent event) {
            connections.postToConnection(b -> b.connectionId(connectionId)
                    .data(SdkBytes.fromUtf8String(codec.write(event))));
        }
    }
}
