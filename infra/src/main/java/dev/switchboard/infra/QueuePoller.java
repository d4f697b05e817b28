package dev.switchboard.infra;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The local stand-in for Lambda's SQS event source mapping: long-polls the queue, hands each batch to the function as
 * an {@link SQSEvent}, deletes the records that succeeded, and leaves the reported batch item failures (or the whole
 * batch, if the function throws) to come back; the queue's redrive policy moves a record to the dead-letter queue
 * after its maximum receives. A batch is received invisible for the function's timeout (on AWS the queue's
 * visibility timeout must be at least that, so a running batch is never delivered twice); failed records come back
 * after {@code retrySeconds} when set (the stack's short retry delay for tests), else after the queue's timeout. A
 * batch whose invocation ran into the function's timeout ({@link FunctionHost} ends it) is left alone, as on AWS:
 * its records come back when the visibility they were received with lapses.
 * <p>
 * It also stands in for the worker's sweep schedule (template.yaml's {@code PendingSweep}, every minute on AWS): every
 * {@value #SWEEP_SECONDS} s it invokes the function with an empty batch, which sends the queue jobs held because the
 * queue refused them.
 */
final class QueuePoller implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(QueuePoller.class);

    private final SqsClient sqs;
    private final String queueUrl;
    private final String queueArn;
    private final int batchSize;
    private final FunctionHost functions;
    private final String function;
    private final ExecutorService pollers;
    private final AtomicLong invocations = new AtomicLong();
    private final AtomicLong redeliveries = new AtomicLong();
    private final AtomicLong timeouts = new AtomicLong();
    private volatile boolean running = true;

    private final int inFlightSeconds;
    private final int retrySeconds;
    /** How often the local sweep runs (AWS: every minute); short so a held job shows within a test. */
    static final int SWEEP_SECONDS = 2;
    private final java.util.concurrent.ScheduledExecutorService sweeper;
    private final AtomicLong sweeps = new AtomicLong();

    QueuePoller(SqsClient sqs, String queueUrl, String queueArn, int batchSize, FunctionHost functions, String function,
                int threads, int inFlightSeconds, int retrySeconds) {
        this(sqs, queueUrl, queueArn, batchSize, functions, function, threads, inFlightSeconds, retrySeconds, true);
    }

    /** @param sweeping whether this poller also stands in for the sweep schedule (one poller of a stack does) */
    QueuePoller(SqsClient sqs, String queueUrl, String queueArn, int batchSize, FunctionHost functions, String function,
                int threads, int inFlightSeconds, int retrySeconds, boolean sweeping) {
        this.inFlightSeconds = inFlightSeconds;
        this.retrySeconds = retrySeconds;
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.queueArn = queueArn;
        this.batchSize = batchSize;
        this.functions = functions;
        this.function = function;
        this.pollers = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "sqs-poller");
            t.setDaemon(true);
            return t;
        });
        for (int i = 0; i < threads; i++) {
            pollers.submit(this::loop);
        }
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sweep-schedule");
            t.setDaemon(true);
            return t;
        });
        if (sweeping) {
            sweeper.scheduleWithFixedDelay(this::sweep, SWEEP_SECONDS, SWEEP_SECONDS, TimeUnit.SECONDS);
        }
    }

    /** Sweeps run so far (empty batches the function got from the schedule). */
    long sweeps() {
        return sweeps.get();
    }

    private void sweep() {
        if (!running || functions.composesPerInvocation(function)) {
            return; // a benchmark that counts compositions per invocation: no extra ones
        }
        SQSEvent event = new SQSEvent();
        event.setRecords(List.of());
        try {
            functions.invoke(function, event);
            sweeps.incrementAndGet();
        } catch (RuntimeException e) {
            LOG.warn("sweep failed: {}", e.toString());
        }
    }

    long invocations() {
        return invocations.get();
    }

    /** Batches whose invocation was ended at the function's timeout (their records were left to come back). */
    long timeouts() {
        return timeouts.get();
    }

    /** Records received again (receive count above 1): a failed or timed-out delivery retried by the queue. */
    long redeliveries() {
        return redeliveries.get();
    }

    private void loop() {
        while (running) {
            try {
                pollOnce();
            } catch (RuntimeException e) {
                if (running) {
                    LOG.warn("poll failed: {}", e.toString());
                    sleep(200);
                }
            }
        }
    }

    private void pollOnce() {
        List<Message> messages = sqs.receiveMessage(b -> b.queueUrl(queueUrl)
                .maxNumberOfMessages(batchSize)
                .visibilityTimeout(Math.max(inFlightSeconds, retrySeconds))
                .waitTimeSeconds(1)
                .messageSystemAttributeNamesWithStrings("All")
                .attributeNamesWithStrings("All")).messages();
        if (messages.isEmpty() || !running) {
            return;
        }
        SQSEvent event = new SQSEvent();
        List<SQSEvent.SQSMessage> records = new ArrayList<>();
        for (Message m : messages) {
            SQSEvent.SQSMessage r = new SQSEvent.SQSMessage();
            r.setMessageId(m.messageId());
            r.setReceiptHandle(m.receiptHandle());
            r.setBody(m.body());
            r.setMd5OfBody(m.md5OfBody());
            Map<String, String> attributes = new HashMap<>();
            m.attributesAsStrings().forEach(attributes::put);
            if (Integer.parseInt(attributes.getOrDefault("ApproximateReceiveCount", "1")) > 1) {
                redeliveries.incrementAndGet();
            }
            r.setAttributes(attributes);
            r.setMessageAttributes(Map.of());
            r.setEventSource("aws:sqs");
            r.setEventSourceArn(queueArn);
            r.setAwsRegion("us-east-1");
            records.add(r);
        }
        event.setRecords(records);
        invocations.incrementAndGet();
        Set<String> failed = new HashSet<>();
        boolean timedOut = false;
        try {
            SQSBatchResponse response = functions.invoke(function, event);
            if (response != null && response.getBatchItemFailures() != null) {
                response.getBatchItemFailures().forEach(f -> failed.add(f.getItemIdentifier()));
            }
        } catch (FunctionHost.InvocationTimedOutException e) {
            // as on AWS: nothing of the batch is deleted, and its records come back when their visibility lapses
            timedOut = true;
            timeouts.incrementAndGet();
            messages.forEach(m -> failed.add(m.messageId()));
        } catch (RuntimeException e) {
            LOG.error("{} failed; the whole batch will be retried", function, e);
            messages.forEach(m -> failed.add(m.messageId()));
        }
        List<DeleteMessageBatchRequestEntry> deletes = messages.stream()
                .filter(m -> !failed.contains(m.messageId()))
                .map(m -> DeleteMessageBatchRequestEntry.builder().id(m.messageId().replaceAll("[^A-Za-z0-9_-]", "_"))
                        .receiptHandle(m.receiptHandle()).build())
                .toList();
        if (!deletes.isEmpty()) {
            sqs.deleteMessageBatch(b -> b.queueUrl(queueUrl).entries(deletes));
        }
        List<ChangeMessageVisibilityBatchRequestEntry> retries = retrySeconds <= 0 || timedOut ? List.of()
                : messages.stream()
                .filter(m -> failed.contains(m.messageId()))
                .map(m -> ChangeMessageVisibilityBatchRequestEntry.builder()
                        .id(m.messageId().replaceAll("[^A-Za-z0-9_-]", "_")).receiptHandle(m.receiptHandle())
                        .visibilityTimeout(retrySeconds).build())
                .toList();
        if (!retries.isEmpty()) {
            sqs.changeMessageVisibilityBatch(b -> b.queueUrl(queueUrl).entries(retries));
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        sweeper.shutdownNow();
        pollers.shutdown();
        try {
            if (!pollers.awaitTermination(10, TimeUnit.SECONDS)) {
                // a turn still running is interrupted, as when Lambda ends an environment; it gets a moment to give
                // its session back and report its failure while the tables are still there
                pollers.shutdownNow();
                pollers.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
