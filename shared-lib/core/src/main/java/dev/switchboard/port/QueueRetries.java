package dev.switchboard.port;

import java.util.List;

/**
 * Brings failed queue records back sooner than the queue's visibility timeout, which is six times the worker's
 * timeout (up to 90 minutes at the largest): a record whose turn failed is made visible again after a short delay, so
 * its session's FIFO group is not blocked that long before the retry.
 */
public interface QueueRetries {
    /** A received record: the queue it came from (the event's source, e.g. its ARN) and its receipt handle. */
    record Receipt(String queue, String handle) {
        public Receipt {
            java.util.Objects.requireNonNull(queue, "queue");
            java.util.Objects.requireNonNull(handle, "handle");
        }
    }

    /**
     * Makes {@code records} visible again {@code seconds} from now. Best effort: a change that fails leaves the
     * record to come back after the queue's visibility timeout, which is what happens without this.
     */
    void retryAfter(List<Receipt> records, int seconds);

    /** Leaves every record to the queue's visibility timeout. */
    QueueRetries NONE = (records, seconds) -> { };
}
