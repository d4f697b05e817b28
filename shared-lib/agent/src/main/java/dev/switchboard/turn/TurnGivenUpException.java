package dev.switchboard.turn;

/**
 * A turn failed on its last attempt and was given up: its owner was sent {@code TURN_FAILED}; the queue record is to
 * be moved to the dead-letter queue now (hand-offs make the turns queue's own redrive come later than the give-up).
 */
public final class TurnGivenUpException extends RuntimeException {
    public TurnGivenUpException(String message, Throwable cause) {
        super(message, cause);
    }
}
