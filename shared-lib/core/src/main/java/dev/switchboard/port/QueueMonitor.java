package dev.switchboard.port;

/** Approximate depths of the turns queue and its dead-letter queue (SQS GetQueueAttributes). */
public interface QueueMonitor {
    enum Queue { TURNS, DEAD_LETTERS }

    /**
     * @param visible  messages waiting to be received (ApproximateNumberOfMessages)
     * @param inFlight messages received and not yet deleted (ApproximateNumberOfMessagesNotVisible)
     * @param delayed  messages not yet visible because of a delay (ApproximateNumberOfMessagesDelayed)
     */
    record Depth(long visible, long inFlight, long delayed) {}

    Depth depth(Queue queue);
}
