package dev.switchboard.infra;

import dev.switchboard.config.Setting;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.config.Env;
import dev.switchboard.adapter.aws.AwsClients;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** ElasticMQ on a loopback port, with every queue that template.yaml declares (FIFO, visibility, redrive to the DLQ). */
final class EmbeddedSqs implements AutoCloseable {
    private final SQSRestServer server;
    private final int port;
    private final SqsClient client;

    EmbeddedSqs(int preferredPort) {
        this.port = Ports.pick(preferredPort);
        server = SQSRestServerBuilder.withInterface("127.0.0.1").withPort(port).start();
        server.waitUntilStarted();
        client = AwsClients.sqs(new Env(Map.of(Setting.SQS_ENDPOINT.name(), endpoint())));
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
                .forEach(q -> urls.put(q.getKey(), create(q.getKey(), q.getValue(), urls, visibilityOverrideSeconds)));
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

    private String create(String logicalId, JsonNode p, Map<String, String> created, int visibilityOverride) {
        Map<QueueAttributeName, String> attrs = new HashMap<>();
        if (p.path("FifoQueue").asBoolean(false)) {
            attrs.put(QueueAttributeName.FIFO_QUEUE, "true");
            attrs.put(QueueAttributeName.CONTENT_BASED_DEDUPLICATION,
                    Boolean.toString(p.path("ContentBasedDeduplication").asBoolean(false)));
        }
        int visibility = visibilityOverride > 0 ? visibilityOverride : p.path("VisibilityTimeout").asInt(30);
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
                    + "\",\"maxReceiveCount\":\"" + redrive.path("maxReceiveCount").asInt(3) + "\"}");
        }
        String name = queueName(logicalId, p);
        return client.createQueue(b -> b.queueName(name).attributes(attrs)).queueUrl();
    }

    private static String nameOf(String queueUrl) {
        return queueUrl.substring(queueUrl.lastIndexOf('/') + 1);
    }

    @Override
    public void close() {
        client.close();
        server.stopAndWait();
    }
}
