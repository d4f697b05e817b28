package dev.switchboard.adapter.sqs;

import dev.switchboard.port.QueueMonitor;
import java.util.Map;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** Queue depths from SQS GetQueueAttributes (approximate, as SQS reports them; one request per queue). */
public final class SqsQueueMonitor implements QueueMonitor {
    private final SqsClient sqs;
    private final Map<Queue, String> urls;

    /** @param urls every queue's URL */
    public SqsQueueMonitor(SqsClient sqs, Map<Queue, String> urls) {
        for (Queue q : Queue.values()) {
            if (urls.get(q) == null) {
                throw new IllegalArgumentException("no URL for the " + q + " queue");
            }
        }
        this.sqs = sqs;
        this.urls = Map.copyOf(urls);
    }

    @Override
    public Depth depth(Queue queue) {
        String url = urls.get(queue);
        Map<QueueAttributeName, String> a = sqs.getQueueAttributes(b -> b.queueUrl(url).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)).attributes();
        return new Depth(number(a, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES),
                number(a, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE),
                number(a, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED));
    }

    private static long number(Map<QueueAttributeName, String> attributes, QueueAttributeName name) {
        String v = attributes.get(name);
        try {
            return v == null ? 0 : Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
