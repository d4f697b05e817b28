package dev.switchboard.infra;

import dev.switchboard.config.Setting;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.config.Env;
import dev.switchboard.adapter.aws.AwsClients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.pattern.Patterns;
import org.elasticmq.StrictSQSLimits$;
import org.elasticmq.actor.QueueManagerActor;
import org.elasticmq.actor.queue.QueueEvent;
import org.elasticmq.persistence.sql.SqlQueuePersistenceActor;
import org.elasticmq.persistence.sql.SqlQueuePersistenceConfig;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder$;
import org.elasticmq.rest.sqs.TheSQSRestServerBuilder;
import org.elasticmq.util.NowProvider;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueNameExistsException;

/**
 * ElasticMQ on a loopback port, with every queue that template.yaml declares (FIFO, visibility, redrive to the DLQ).
 * In memory, or kept in a directory: ElasticMQ's SQL persistence ({@code elasticmq-persistence-sql}, which the REST
 * module brings with the H2 driver) stores each queue's metadata and every message, with its receive count and next
 * delivery time, in the H2 database {@code queues} there, and restores them before the stack creates its queues.
 */
final class EmbeddedSqs implements AutoCloseable {
    private static final Duration RESTORE_TIMEOUT = Duration.ofSeconds(60);

    private final SQSRestServer server;
    private final Optional<ActorSystem> persistentSystem;
    private final int port;
    private final SqsClient client;

    /** @param dataDir where the queues are kept; empty: in memory */
    EmbeddedSqs(int preferredPort, Optional<Path> dataDir) {
        this.port = Ports.pick(preferredPort);
        Built builder = Built.of(dataDir);
        persistentSystem = builder.system();
        server = builder.builder().withInterface("127.0.0.1").withPort(port).start();
        server.waitUntilStarted();
        client = AwsClients.sqs(new Env(Map.of(Setting.SQS_ENDPOINT.name(), endpoint())));
    }

    /** The server builder, with a queue manager that records every change in H2 when there is a data directory. */
    private record Built(TheSQSRestServerBuilder builder,
                                                Optional<ActorSystem> system) {
        static Built of(Optional<Path> dataDir) {
            if (dataDir.isEmpty()) {
                return new Built(SQSRestServerBuilder$.MODULE$, Optional.empty());
            }
            // the H2 driver is loaded and its pool made once per JVM by ElasticMQ (DB.initializeSingleton)
            String uri = "jdbc:h2:file:" + dataDir.get().toAbsolutePath().resolve("queues");
            SqlQueuePersistenceConfig config = new SqlQueuePersistenceConfig(true, "org.h2.Driver", uri, "", "", false);
            ActorSystem system = ActorSystem.create("elasticmq");
            ActorRef store = system.actorOf(Props.create(SqlQueuePersistenceActor.class, config,
                    scala.collection.immutable.List$.MODULE$.empty()));
            ActorRef queues = system.actorOf(Props.create(QueueManagerActor.class, new NowProvider(),
                    StrictSQSLimits$.MODULE$, scala.Option.apply(store)));
            Object restored;
            try {
                restored = Patterns.ask(store, new QueueEvent.Restore(queues), RESTORE_TIMEOUT).toCompletableFuture()
                        .get(RESTORE_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            } catch (Exception e) {
                system.terminate();
                throw new IllegalStateException("the queues kept in " + uri + " were not restored: " + e, e);
            }
            if (restored instanceof scala.util.Left<?, ?> errors) {
                system.terminate();
                throw new IllegalStateException("the queues kept in " + uri + " were not restored: " + errors.value());
            }
            return new Built(SQSRestServerBuilder$.MODULE$.withActorSystem(system)
                    .withQueueManagerActor(queues).withQueueEventListener(store), Optional.of(system));
        }
    }

    String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    SqsClient client() {
        return client;
    }

    /**
     * Creates each AWS::SQS::Queue of the template, named by its logical id (plus {@code .fifo}); dead-letter queues
     * first so redrive policies can name them. {@code visibilityOverrideSeconds} > 0 replaces the template's
     * visibility timeout (so local retries come in seconds, not minutes). Returns logical id → queue URL.
     */
    Map<String, String> createQueues(TemplateModel template, int visibilityOverrideSeconds) {
        Map<String, JsonNode> queues = template.resources(TemplateModel.QUEUE);
        Map<String, String> urls = new LinkedHashMap<>();
        // a queue that others name as deadLetterTarget goes first
        queues.entrySet().stream()
                .sorted((a, b) -> Boolean.compare(hasRedrive(a.getValue()), hasRedrive(b.getValue())))
                .forEach(q -> urls.put(q.getKey(), create(template, q.getKey(), q.getValue(), urls,
                        visibilityOverrideSeconds)));
        return urls;
    }

    static String queueName(String logicalId, JsonNode properties) {
        return properties.path("FifoQueue").asBoolean(false) ? logicalId + ".fifo" : logicalId;
    }

    static String arn(String name) {
        return "arn:aws:sqs:us-east-1:000000000000:" + name;
    }

    private static boolean hasRedrive(JsonNode p) {
        return !p.path("RedrivePolicy").isMissingNode();
    }

    private String create(TemplateModel template, String logicalId, JsonNode p, Map<String, String> created,
                          int visibilityOverride) {
        Map<QueueAttributeName, String> attrs = new HashMap<>();
        if (p.path("FifoQueue").asBoolean(false)) {
            attrs.put(QueueAttributeName.FIFO_QUEUE, "true");
            attrs.put(QueueAttributeName.CONTENT_BASED_DEDUPLICATION,
                    Boolean.toString(p.path("ContentBasedDeduplication").asBoolean(false)));
        }
        int visibility = visibilityOverride > 0 ? visibilityOverride
                : template.number(p.path("VisibilityTimeout")).orElse(30);
        attrs.put(QueueAttributeName.VISIBILITY_TIMEOUT, Integer.toString(visibility));
        if (p.has("MessageRetentionPeriod")) {
            attrs.put(QueueAttributeName.MESSAGE_RETENTION_PERIOD, p.path("MessageRetentionPeriod").asText());
        }
        JsonNode redrive = p.path("RedrivePolicy");
        if (!redrive.isMissingNode()) {
            String dlq = redrive.path("deadLetterTargetArn").asText().replace(".Arn", "");
            if (!created.containsKey(dlq)) {
                throw new IllegalStateException("queue " + logicalId + " redrives to " + dlq + ", not declared");
            }
            attrs.put(QueueAttributeName.REDRIVE_POLICY, "{\"deadLetterTargetArn\":\"" + arn(nameOf(created.get(dlq)))
                    + "\",\"maxReceiveCount\":\"" + template.number(redrive.path("maxReceiveCount")).orElse(3) + "\"}");
        }
        String name = queueName(logicalId, p);
        try {
            return client.createQueue(b -> b.queueName(name).attributes(attrs)).queueUrl();
        } catch (QueueNameExistsException e) {
            // restored from the data directory with other attributes (an older template): keep it as it is
            return client.getQueueUrl(b -> b.queueName(name)).queueUrl();
        }
    }

    private static String nameOf(String queueUrl) {
        return queueUrl.substring(queueUrl.lastIndexOf('/') + 1);
    }

    @Override
    public void close() {
        client.close();
        server.stopAndWait();
        persistentSystem.ifPresent(system -> {
            system.terminate();
            try {
                scala.concurrent.Await.result(system.whenTerminated(), scala.concurrent.duration.Duration.apply(30, "s"));
            } catch (Exception e) {
                throw new IllegalStateException("ElasticMQ's actor system did not stop", e);
            }
        });
    }
}
