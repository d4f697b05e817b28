package dev.switchboard.message.archfixture;

/** Forbidden on purpose (ArchitectureRulesCatchTest): a handler that reads a session without a use case. */
public final class CallsAStore {
    public static Object read(dev.switchboard.port.SessionStore sessions) {
        return sessions.get("user", "session");
    }
}
