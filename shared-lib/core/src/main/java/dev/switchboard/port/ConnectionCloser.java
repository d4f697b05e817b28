package dev.switchboard.port;

/** Ends WebSocket connections from the server side (API Gateway's @connections DELETE). */
@FunctionalInterface
public interface ConnectionCloser {
    enum Closing { CLOSED, GONE, FAILED }

    /** Asks the gateway to close the connection; {@link Closing#GONE} when it was already closed. */
    Closing close(String connectionId);
}
