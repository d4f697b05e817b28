package dev.switchboard.agent;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.memory.ChatMemory;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.service.AiServices;
import dev.switchboard.domain.ChatMessage;
import dev.switchboard.domain.Role;
import java.util.List;

/**
 * Global tier: holds the model client and the system prompt. {@link #create} builds the request tier: a fresh agent
 * whose chat memory is the session's recent history read from DynamoDB. The caller stores the answer back.
 */
public final class AgentFactory {
    public static final String DEFAULT_SYSTEM_PROMPT =
            "You are a helpful assistant. Answer clearly and concisely.";

    private final ModelChoice model;
    private final String systemPrompt;

    public AgentFactory(ModelChoice model, String systemPrompt) {
        this.model = model;
        this.systemPrompt = systemPrompt;
    }

    public ModelChoice model() {
        return model;
    }

    public TurnAgent create(String memoryId, List<ChatMessage> history) {
        ChatMemory memory = MessageWindowChatMemory.builder()
                .id(memoryId)
                .maxMessages(history.size() + 3)
                .build();
        memory.add(SystemMessage.from(systemPrompt));
        for (ChatMessage m : history) {
            memory.add(m.role() == Role.USER ? UserMessage.from(m.text()) : AiMessage.from(m.text()));
        }
        return AiServices.builder(TurnAgent.class)
                .streamingChatModel(model.model())
                .chatMemory(memory)
                .build();
    }
}
