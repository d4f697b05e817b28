package dev.switchboard.usecase.archfixture;

/** Forbidden on purpose (ArchitectureRulesCatchTest): a use case that reads the agent's model factory. */
public final class UsesTheAgent {
    public static Object models(dev.switchboard.config.Env env) {
        return dev.switchboard.agent.ChatModels.catalogFromEnv(env);
    }
}
