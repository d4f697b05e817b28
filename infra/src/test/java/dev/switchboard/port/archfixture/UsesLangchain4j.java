package dev.switchboard.port.archfixture;

/** Forbidden on purpose (ArchitectureRulesCatchTest): a port that names a langchain4j type. */
public interface UsesLangchain4j {
    dev.langchain4j.model.chat.StreamingChatModel model();
}
