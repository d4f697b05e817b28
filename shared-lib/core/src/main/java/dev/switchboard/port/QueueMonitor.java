package dev.switchboard.port;

/**
 * Approximate depths of the turns queue, the user-data queue (memory and indexing jobs) and their dead-letter queues
 * (SQS GetQueueAttributes).
 */
public interface QueueMonitor {
    enum Queue { TURNS, DEAD_LETTERS, USER_DATA, USER_DATA_DEAD_LETTERS }

    /**
     * @param visible  messages waiting to be received (ApproximateNumberOfMessages)
     * @param inFlight messages received and not yet deleted (ApproximateNumberOfMessagesNotVisible)
     * @param delayed  messages not yet visible because of a delay (ApproximateNumberOfMessagesDelayed)
     */
    record Depth(long visible, long inFlight, long delayed) {}

    Depth depth(Queue queue);
}
