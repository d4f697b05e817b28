package dev.switchboard.domain.archfixture;

/** Forbidden on purpose (ArchitectureRulesCatchTest): a domain type that reads a Lambda event helper. */
public final class UsesTheLambdaEdge {
    public static String user() {
        return dev.switchboard.runtime.WebSocketEvents.userId(null);
    }
}
