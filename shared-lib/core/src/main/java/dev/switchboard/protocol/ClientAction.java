package dev.switchboard.protocol;

/** What a client can ask for: one record per action of protocol v1 (docs/protocol.md). */
public sealed interface ClientAction {

    String action();

    /** Send a user message. No {@code sessionId}: a new session is created (its id derives from the clientMessageId). */
    record SendMessage(String clientMessageId, String sessionId, String text) implements ClientAction {
        public String action() { return "sendMessage"; }
    }

    record ListSessions(int limit, String cursor) implements ClientAction {
        public String action() { return "listSessions"; }
    }

    record GetHistory(String sessionId, int limit, String cursor) implements ClientAction {
        public String action() { return "getHistory"; }
    }

    record DeleteSession(String sessionId) implements ClientAction {
        public String action() { return "deleteSession"; }
    }

    record Ping() implements ClientAction {
        public String action() { return "ping"; }
    }

    /** Creates a session with its own settings; with a {@code sessionId} that exists already, returns it unchanged. */
    record CreateSession(String sessionId, String title, String model, String systemPrompt, String busyPolicy)
            implements ClientAction {
        public String action() { return "createSession"; }
    }

    /** Changes a session's settings; an absent field is left as it is, an empty systemPrompt or model clears it. */
    record UpdateSession(String sessionId, String title, String model, String systemPrompt, String busyPolicy)
            implements ClientAction {
        public String action() { return "updateSession"; }
    }

    record ListModels() implements ClientAction {
        public String action() { return "listModels"; }
    }

    /** Stops the session's running turn (or the given one and those queued before it). */
    record Cancel(String sessionId, String turnId) implements ClientAction {
        public String action() { return "cancel"; }
    }

    /** {@code approveTool} or {@code denyTool}: the user's answer to an {@code approvalRequired} event. */
    record DecideTool(String sessionId, String turnId, String toolCallId, boolean approve) implements ClientAction {
        public String action() { return approve ? "approveTool" : "denyTool"; }
    }

    record ListMemories() implements ClientAction {
        public String action() { return "listMemories"; }
    }

    record DeleteMemory(String memoryId) implements ClientAction {
        public String action() { return "deleteMemory"; }
    }

    record AddDocument(String title, String text) implements ClientAction {
        public String action() { return "addDocument"; }
    }

    record ListDocuments() implements ClientAction {
        public String action() { return "listDocuments"; }
    }

    record DeleteDocument(String documentId) implements ClientAction {
        public String action() { return "deleteDocument"; }
    }

    /**
     * After a reconnect: replay what was missed of a turn's answer. {@code lastSeq} is the last delta seq the client
     * has (-1: none), {@code attempt} the {@code attempt} of that delta (null: unknown, the whole answer is replayed).
     */
    record Resume(String sessionId, String turnId, int lastSeq, Long attempt) implements ClientAction {
        public String action() { return "resume"; }
    }

    /** Answers the session's latest user message again as a new turn; the answer it replaces is kept, superseded. */
    record Regenerate(String sessionId, String turnId) implements ClientAction {
        public String action() { return "regenerate"; }
    }

    /**
     * Replaces the user message of {@code turnId} with {@code text} and answers it again: that message and every one
     * after it are kept, superseded. Idempotent on {@code clientMessageId}.
     */
    record EditMessage(String sessionId, String turnId, String clientMessageId, String text) implements ClientAction {
        public String action() { return "editMessage"; }
    }

    /** Rates the answer of {@code turnId}: {@code rating} up or down, null clears; {@code comment} optional. */
    record RateMessage(String sessionId, String turnId, String rating, String comment) implements ClientAction {
        public String action() { return "rateMessage"; }
    }

    /** The formats of {@code exportSession}. */
    enum ExportFormat {
        MARKDOWN("markdown"), JSON("json");

        private final String wire;

        ExportFormat(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        /** @return null for a string that names no format */
        public static ExportFormat fromWire(String s) {
            for (ExportFormat f : values()) {
                if (f.wire.equals(s)) {
                    return f;
                }
            }
            return null;
        }
    }

    /**
     * One part of the whole session as a document, oldest message first; {@code cursor} (the {@code nextCursor} of
     * the part before) asks for the next part.
     */
    record ExportSession(String sessionId, ExportFormat format, String cursor) implements ClientAction {
        public String action() { return "exportSession"; }
    }

    /** Searches the caller's own recent messages; {@code cursor} continues the same query's ranking. */
    record SearchMessages(String query, int limit, String cursor) implements ClientAction {
        public String action() { return "searchMessages"; }
    }
}
