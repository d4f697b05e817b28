package dev.switchboard.domain;

/**
 * One stored message (one DynamoDB item): the user turn, the assistant's answer to it, or one tool call made while
 * answering. {@code status} is null for an ordinary message, {@code cancelled} for an answer cut short, and for a
 * tool call the {@link ToolStatus#wire()} of its {@link #toolStatus()}; {@code tool} is set only for {@link Role#TOOL} messages, whose {@code text}
 * is the tool's result. {@code stream} (answers only; null when unknown) records how the answer was streamed, so a
 * reconnecting client can be sent exactly what it missed.
 */
public record StoredMessage(String userId, String sessionId, String turnId, Role role, String text,
                          long createdAtMillis, String model, String status, ToolCall tool, StreamMarks stream,
                          Branch branch, Rating rating) {

    public StoredMessage {
        branch = branch == null ? Branch.NONE : branch;
    }

    public StoredMessage(String userId, String sessionId, String turnId, Role role, String text, long createdAtMillis,
                       String model, String status, ToolCall tool, StreamMarks stream) {
        this(userId, sessionId, turnId, role, text, createdAtMillis, model, status, tool, stream, null, null);
    }

    public StoredMessage(String userId, String sessionId, String turnId, Role role, String text, long createdAtMillis,
                       String model, String status, ToolCall tool) {
        this(userId, sessionId, turnId, role, text, createdAtMillis, model, status, tool, null);
    }

    public static final String CANCELLED = "cancelled";
    /** An answer cut short because the user's daily token budget was spent before the model's next call. */
    public static final String OUT_OF_BUDGET = "budget-exhausted";
    /** An answer cut short because its run reached RUN_MAX_SECONDS or RUN_MAX_HANDOFFS. */
    public static final String RUN_TOO_LONG = "run-too-long";

    public StoredMessage(String userId, String sessionId, String turnId, Role role, String text, long createdAtMillis,
                       String model) {
        this(userId, sessionId, turnId, role, text, createdAtMillis, model, null, null);
    }

    /** The first message of {@code turnId} with {@code role} in {@code messages}, or null. */
    public static StoredMessage find(java.util.List<StoredMessage> messages, String turnId, Role role) {
        for (StoredMessage m : messages) {
            if (m.turnId().equals(turnId) && m.role() == role) {
                return m;
            }
        }
        return null;
    }

    /** A tool call made while answering {@code turnId}, in {@code status}, with {@code text} as its result so far. */
    public static StoredMessage toolCall(String userId, String sessionId, String turnId, String text,
                                         long createdAtMillis, ToolStatus status, ToolCall tool) {
        return new StoredMessage(userId, sessionId, turnId, Role.TOOL, text, createdAtMillis, null, status.wire(), tool);
    }

    /** Where this tool call stands; null for a message that is not a tool call. */
    public ToolStatus toolStatus() {
        return role == Role.TOOL ? ToolStatus.fromWire(status) : null;
    }

    public StoredMessage withStatus(ToolStatus newStatus, String newText) {
        return withStatus(newStatus.wire(), newText);
    }

    public StoredMessage withStatus(String newStatus, String newText) {
        return new StoredMessage(userId, sessionId, turnId, role, newText, createdAtMillis, model, newStatus, tool, stream,
                branch, rating);
    }

    public StoredMessage withBranch(Branch newBranch) {
        return new StoredMessage(userId, sessionId, turnId, role, text, createdAtMillis, model, status, tool, stream,
                newBranch, rating);
    }

    /** @param newRating null clears the rating */
    public StoredMessage withRating(Rating newRating) {
        return new StoredMessage(userId, sessionId, turnId, role, text, createdAtMillis, model, status, tool, stream,
                branch, newRating);
    }

    /** A user message that repeats an earlier question for a regenerate: the model sees it, history does not. */
    public boolean hiddenCopy() {
        return role == Role.USER && branch.answerOf() != null;
    }
}
