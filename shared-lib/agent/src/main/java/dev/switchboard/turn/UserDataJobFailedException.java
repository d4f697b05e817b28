package dev.switchboard.turn;

/** A per-user background job that failed; the queue redelivers it, after the last receive it is dead-lettered. */
public final class UserDataJobFailedException extends RuntimeException {
    public UserDataJobFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
