package dev.switchboard.connect.archfixture;

/** Forbidden on purpose (ArchitectureRulesCatchTest): one function using another's handler. */
public final class UsesAnotherFunction {
    public static Class<?> other() {
        return dev.switchboard.disconnect.DisconnectHandler.class;
    }
}
