package dev.switchboard.turn;

/** A model call that failed (the model's error is the cause) or whose wait was interrupted. */
public final class ModelCallException extends RuntimeException {
    public ModelCallException(String message, Throwable cause) {
        super(message, cause);
    }
}
