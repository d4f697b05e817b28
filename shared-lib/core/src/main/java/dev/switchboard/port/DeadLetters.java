package dev.switchboard.port;

/**
 * Moves a queue record its worker has given up to its queue's dead-letter queue at once. A turn handed on from
 * invocation to invocation spends a receive at each hand-off, so the turns queue's maxReceiveCount is larger than the
 * failed deliveries a turn may have: the worker gives up by its own count and moves the record itself; the queue's
 * redrive stays as the backstop for a worker that cannot.
 */
public interface DeadLetters {
    /**
     * The message attribute a moved record carries with the receives it had when it was given up (the moved copy's
     * own receive count starts again).
     */
    String RECEIVES_ATTRIBUTE = "SwitchboardReceiveCount";
    /** The message attribute a moved record carries with its source queue (the event's source). */
    String SOURCE_ATTRIBUTE = "SwitchboardSourceQueue";

    /**
     * A record to move: its source queue (the event's source, e.g. its ARN), message id, FIFO group, body and the
     * receives it had.
     */
    record Dead(String queue, String messageId, String groupId, String body, int receiveCount) {
        public Dead {
            java.util.Objects.requireNonNull(queue, "queue");
            java.util.Objects.requireNonNull(messageId, "messageId");
            java.util.Objects.requireNonNull(body, "body");
        }
    }

    /**
     * Sends {@code record} to its source queue's dead-letter queue. @return true when it is there (the record may then
     * be acknowledged); false when its queue has no dead-letter queue here or the send failed, so the record is left
     * to the queue's own redrive
     */
    boolean move(Dead record);

    /** Moves nothing: every record is left to its queue's redrive. */
    DeadLetters NONE = record -> false;
}
