package dev.switchboard.archfixture.a;

/** Forbidden on purpose (ArchitectureRulesCatchTest): half of a package cycle. */
public final class A {
    public static Object other() {
        return new dev.switchboard.archfixture.b.B();
    }
}
