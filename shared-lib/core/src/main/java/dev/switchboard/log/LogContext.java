package dev.switchboard.log;

import dev.switchboard.domain.Hashes;
import org.slf4j.MDC;

/**
 * The ids every log line of a request carries (requestId, correlationId, connectionId, user, sessionId, turnId), as MDC fields of the
 * JSON layout. The user id is logged only hashed. Close it to clear them.
 */
public final class LogContext implements AutoCloseable {
    private LogContext() {}

    public static LogContext open(String requestId, String connectionId, String userId) {
        MDC.clear();
        put("requestId", requestId);
        put("connectionId", connectionId);
        put("user", userId == null ? null : hashUser(userId));
        put("correlationId", requestId);
        return new LogContext();
    }

    /**
     * The id that follows a message from the message function's request to the worker's done: the request id of the
     * call that queued it (the worker sets it from the queued turn).
     */
    public static String correlationId() {
        return MDC.get("correlationId");
    }

    public static void correlate(String correlationId) {
        put("correlationId", correlationId);
    }

    public static void session(String sessionId, String turnId) {
        put("sessionId", sessionId);
        put("turnId", turnId);
    }

    /** The ids of one queued turn: its owner (hashed), session and turn. */
    public static void turn(String userId, String sessionId, String turnId) {
        put("user", userId == null ? null : hashUser(userId));
        put("sessionId", sessionId);
        put("turnId", turnId);
    }

    public static String hashUser(String userId) {
        return Hashes.sha256Hex(userId, 8);
    }

    private static void put(String key, String value) {
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }

    @Override
    public void close() {
        MDC.clear();
    }
}
