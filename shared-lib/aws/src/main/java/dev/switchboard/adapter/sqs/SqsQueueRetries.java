package dev.switchboard.adapter.sqs;

import dev.switchboard.port.QueueRetries;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;

/**
 * {@link QueueRetries} over SQS {@code ChangeMessageVisibility}: a record names its queue by the event's source ARN
 * ({@code arn:aws:sqs:region:account:name}); it is matched to the queue URL of the same name among those given. The
 * changes go ten to a {@code ChangeMessageVisibilityBatch} call.
 */
public final class SqsQueueRetries implements QueueRetries {
    private static final Logger LOG = LoggerFactory.getLogger(SqsQueueRetries.class);
    private static final int BATCH = 10;

    private final SqsClient sqs;
    /** queue name → queue URL */
    private final Map<String, String> urls = new LinkedHashMap<>();

    /** @param queueUrls the queues whose records may be retried (the worker's event sources) */
    public SqsQueueRetries(SqsClient sqs, List<String> queueUrls) {
        this.sqs = sqs;
        queueUrls.forEach(url -> urls.put(url.substring(url.lastIndexOf('/') + 1), url));
    }

    @Override
    public void retryAfter(List<Receipt> records, int seconds) {
        Map<String, List<Receipt>> byQueue = new LinkedHashMap<>();
        for (Receipt r : records) {
            String url = urls.get(r.queue().substring(r.queue().lastIndexOf(':') + 1));
            if (url == null) {
                LOG.warn("a failed record of an unknown queue comes back after the queue's visibility timeout");
                continue;
            }
            byQueue.computeIfAbsent(url, u -> new ArrayList<>()).add(r);
        }
        byQueue.forEach((url, receipts) -> {
            for (int from = 0; from < receipts.size(); from += BATCH) {
                List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>();
                List<Receipt> part = receipts.subList(from, Math.min(from + BATCH, receipts.size()));
                for (int i = 0; i < part.size(); i++) {
                    entries.add(ChangeMessageVisibilityBatchRequestEntry.builder().id(Integer.toString(i))
                            .receiptHandle(part.get(i).handle()).visibilityTimeout(seconds).build());
                }
                try {
                    List<BatchResultErrorEntry> failed = sqs.changeMessageVisibilityBatch(b -> b.queueUrl(url)
                            .entries(entries)).failed();
                    if (!failed.isEmpty()) {
                        LOG.warn("{} of {} failed records keep the queue's visibility timeout: {}", failed.size(),
                                entries.size(), failed.get(0).code());
                    }
                } catch (RuntimeException e) {
                    LOG.warn("failed records keep the queue's visibility timeout: {}", e.getClass().getSimpleName());
                }
            }
        });
    }
}
