package dev.switchboard.archfixture.b;

/** Forbidden on purpose (ArchitectureRulesCatchTest): the other half of a package cycle. */
public final class B {
    public Class<?> back() {
        return dev.switchboard.archfixture.a.A.class;
    }
}
