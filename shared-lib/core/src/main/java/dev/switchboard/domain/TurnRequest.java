package dev.switchboard.domain;

/**
 * The body of a turns-queue message. Carries ids only, never text. {@code kind} is null for a new turn,
 * {@code resume} to continue a turn after tool decisions, {@code memory} to update the user's memories from an
 * answered turn, {@code index} to embed a knowledge-base document ({@code ref} = document id).
 * {@code correlationId} is the request id of the message-function call that queued it, logged by both functions.
 */
public record TurnRequest(String userId, String sessionId, String turnId, String clientMessageId, long enqueuedAt,
                          String kind, String ref, String correlationId) {
    public static final String RESUME = "resume";
    public static final String MEMORY = "memory";
    public static final String INDEX = "index";

    public TurnRequest(String userId, String sessionId, String turnId, String clientMessageId, long enqueuedAt) {
        this(userId, sessionId, turnId, clientMessageId, enqueuedAt, null, null, null);
    }

    public TurnRequest(String userId, String sessionId, String turnId, String clientMessageId, long enqueuedAt,
                       String kind, String ref) {
        this(userId, sessionId, turnId, clientMessageId, enqueuedAt, kind, ref, null);
    }

    /**
     * FIFO group: a session's turns run one at a time; a user's memory and index jobs run one at a time. The session's
     * group is keyed by user and session (session ids may be chosen by clients, so two users may pick the same one:
     * they must not hold up each other's turns).
     */
    public String groupId() {
        return kind == null || RESUME.equals(kind) ? sessionGroup(userId, sessionId)
                : "user-" + dev.switchboard.domain.Hashes.sha256Hex(userId, 24);
    }

    /** The FIFO group of a session's turns. */
    public static String sessionGroup(String userId, String sessionId) {
        return "session-" + dev.switchboard.domain.Hashes.sha256Hex(userId + "\u0000" + sessionId, 24);
    }

    /** FIFO deduplication id: a turn is queued once; each resume, memory and index job once. */
    public String deduplicationId() {
        return kind == null ? turnId : kind + "-" + turnId + (ref == null ? "" : "-" + ref);
    }
}
