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
}
