package dev.switchboard.port;

/** A paging cursor that this store did not issue. */
public final class InvalidCursorException extends RuntimeException {
    public InvalidCursorException() {
        super("cursor was not issued by this server", null, false, false);
    }
}
