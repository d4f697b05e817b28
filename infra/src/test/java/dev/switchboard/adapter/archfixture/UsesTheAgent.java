package dev.switchboard.adapter.archfixture;

/** Forbidden on purpose (ArchitectureRulesCatchTest): an adapter that reaches into the turn engine. */
public final class UsesTheAgent {
    public static Class<?> engine() {
        return dev.switchboard.turn.TurnRunner.class;
    }
}
