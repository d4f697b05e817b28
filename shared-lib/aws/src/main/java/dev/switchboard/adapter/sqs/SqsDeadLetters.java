package dev.switchboard.adapter.sqs;

import dev.switchboard.port.DeadLetters;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * {@link DeadLetters} over SQS {@code SendMessage}: a record names its queue by the event's source ARN
 * ({@code arn:aws:sqs:region:account:name}); its dead-letter queue is the one given for the queue of that name. For a
 * FIFO dead-letter queue the record keeps its message group and is deduplicated by its message id, so a move repeated
 * after a failed acknowledgement stores it once. It carries its receives and source queue as message attributes
 * ({@link DeadLetters#RECEIVES_ATTRIBUTE}, {@link DeadLetters#SOURCE_ATTRIBUTE}). Moved records lack the {@code DeadLetterQueueSourceArn} attribute
 * SQS's own redrive sets: a redrive of them back names the turns queue as its destination (docs/reliability.md).
 */
public final class SqsDeadLetters implements DeadLetters {
    private static final Logger LOG = LoggerFactory.getLogger(SqsDeadLetters.class);

    private final SqsClient sqs;
    /** source queue name → its dead-letter queue's URL */
    private final Map<String, String> deadLetterUrls = new LinkedHashMap<>();

    /** @param deadLetterUrls source queue URL → the URL of its dead-letter queue */
    public SqsDeadLetters(SqsClient sqs, Map<String, String> deadLetterUrls) {
        this.sqs = sqs;
        deadLetterUrls.forEach((source, dlq) -> this.deadLetterUrls.put(name(source, '/'), dlq));
    }

    @Override
    public boolean move(Dead record) {
        String url = deadLetterUrls.get(name(record.queue(), ':'));
        if (url == null) {
            return false;
        }
        try {
            boolean fifo = url.endsWith(".fifo");
            sqs.sendMessage(b -> {
                b.queueUrl(url).messageBody(record.body()).messageAttributes(Map.of(
                        DeadLetters.RECEIVES_ATTRIBUTE, MessageAttributeValue.builder().dataType("Number")
                                .stringValue(Integer.toString(record.receiveCount())).build(),
                        DeadLetters.SOURCE_ATTRIBUTE, MessageAttributeValue.builder().dataType("String")
                                .stringValue(record.queue()).build()));
                if (fifo) {
                    b.messageGroupId(record.groupId() == null ? record.messageId() : record.groupId())
                            .messageDeduplicationId(record.messageId());
                }
            });
            return true;
        } catch (RuntimeException e) {
            LOG.warn("could not move a given-up record to the dead-letter queue (the queue's redrive will): {}",
                    e.getClass().getSimpleName());
            return false;
        }
    }

    private static String name(String queue, char separator) {
        return queue.substring(queue.lastIndexOf(separator) + 1);
    }
}
