package dev.switchboard.domain;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * The body of a turns-queue message. Carries ids only, never text. {@code kind} is null for a new turn, or one of
 * {@link Kind}.
 * {@code correlationId} is the request id of the message-function call that queued it, logged by both functions.
 * {@code budgetLeft}, on a {@link Kind#MEMORY} job only: true when its turn saw the user's daily budget left after the
 * turn's own model calls (the day's tokens read as the turn began, plus every token the turn spent), so the job's
 * first model call needs no budget read of its own; null otherwise (the job reads the budget).
 */
public record TurnRequest(String userId, String sessionId, String turnId, String clientMessageId, long enqueuedAt,
                          Kind kind, String ref, String correlationId,
                          @JsonInclude(JsonInclude.Include.NON_NULL) Boolean budgetLeft) {
    /** What a queued job other than a new turn does; {@link #wire()} is its {@code kind} on the queue. */
    public enum Kind {
        /** Continue a turn after tool decisions. */
        RESUME("resume"),
        /**
         * Update the user's memories from an answered turn ({@code ref} = the id of the model that answered it, which
         * extracts them; null in a job queued before it was carried: the session's model then).
         */
        MEMORY("memory"),
        /** Embed a knowledge-base document ({@code ref} = document id). */
        INDEX("index");

        private final String wire;

        Kind(String wire) {
            this.wire = wire;
        }

        @JsonValue
        public String wire() {
            return wire;
        }

        /** @return the kind whose {@link #wire()} is {@code value}; null for null */
        @JsonCreator
        public static Kind fromWire(String value) {
            if (value == null) {
                return null;
            }
            for (Kind k : values()) {
                if (k.wire.equals(value)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown job kind: " + value);
        }

        @Override
        public String toString() {
            return wire;
        }
    }

    public TurnRequest(String userId, String sessionId, String turnId, String clientMessageId, long enqueuedAt) {
        this(userId, sessionId, turnId, clientMessageId, enqueuedAt, null, null, null);
    }

    public TurnRequest(String userId, String sessionId, String turnId, String clientMessageId, long enqueuedAt,
                       Kind kind, String ref) {
        this(userId, sessionId, turnId, clientMessageId, enqueuedAt, kind, ref, null);
    }

    public TurnRequest(String userId, String sessionId, String turnId, String clientMessageId, long enqueuedAt,
                       Kind kind, String ref, String correlationId) {
        this(userId, sessionId, turnId, clientMessageId, enqueuedAt, kind, ref, correlationId, null);
    }

    /**
     * FIFO group: a session's turns run one at a time; a user's memory and index jobs run one at a time. The session's
     * group is keyed by user and session (session ids may be chosen by clients, so two users may pick the same one:
     * they must not hold up each other's turns).
     */
    public String groupId() {
        return runsTurn() ? sessionGroup(userId, sessionId) : userGroup(userId);
    }

    /** The FIFO group of a user's memory and index jobs (the user-data queue's). */
    public static String userGroup(String userId) {
        return "user-" + dev.switchboard.domain.Hashes.sha256Hex(userId, 24);
    }

    /** Whether this job runs the session's turn (a new turn, or one resumed after tool decisions). */
    public boolean runsTurn() {
        return kind == null || kind == Kind.RESUME;
    }

    /** The FIFO group of a session's turns. */
    public static String sessionGroup(String userId, String sessionId) {
        return "session-" + dev.switchboard.domain.Hashes.sha256Hex(userId + "\u0000" + sessionId, 24);
    }

    /** FIFO deduplication id: a turn is queued once; each resume, memory and index job once (a memory job per turn). */
    public String deduplicationId() {
        return kind == null ? turnId
                : kind.wire() + "-" + turnId + (ref == null || kind == Kind.MEMORY ? "" : "-" + ref);
    }
}
