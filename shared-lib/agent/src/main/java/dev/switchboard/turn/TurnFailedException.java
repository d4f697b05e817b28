package dev.switchboard.turn;

/** A turn that failed; the queue redelivers it, and after the last receive it goes to the dead-letter queue. */
public final class TurnFailedException extends RuntimeException {
    public TurnFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
