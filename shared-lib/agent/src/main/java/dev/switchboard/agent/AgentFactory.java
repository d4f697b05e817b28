package dev.switchboard.agent;

import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.Role;
import dev.switchboard.tools.ToolSet;
import java.util.ArrayList;
import java.util.List;

/**
 * The agent's global tier: the model allow-list, the default system prompt, the tools and the source of per-user
 * context. {@link #conversation} builds the request tier: a fresh message list for one turn, never shared.
 */
public final class AgentFactory {
    public static final String DEFAULT_SYSTEM_PROMPT = dev.switchboard.config.Setting.SYSTEM_PROMPT.defaultValue();

    private final ModelCatalog models;
    private final String systemPrompt;
    private final ToolSet tools;
    private final TurnContext.Source context;

    public AgentFactory(ModelCatalog models, String systemPrompt, ToolSet tools, TurnContext.Source context) {
        this.models = models;
        this.systemPrompt = systemPrompt;
        this.tools = tools;
        this.context = context;
    }

    /** One model, no tools, no per-user context. */
    public AgentFactory(ModelChoice model, String systemPrompt) {
        this(ModelCatalog.of(model), systemPrompt, ToolSet.NONE, TurnContext.Source.NONE);
    }

    public ModelCatalog models() {
        return models;
    }

    /** The default model. */
    public ModelChoice model() {
        return models.defaultModel();
    }

    public ToolSet tools() {
        return tools;
    }

    public TurnContext context(String userId, String message) {
        return context.forTurn(userId, message);
    }

    /** {@link #context(String, String)} with the user's knowledge version read already. */
    public TurnContext context(String userId, String message, long knowledgeVersion) {
        return context.forTurn(userId, message, knowledgeVersion);
    }

    /**
     * The messages of one turn's first model call: the session's system prompt (or the default), the user's context
     * as data, the earlier turns, and the user's message.
     */
    public List<ChatMessage> conversation(String sessionPrompt, TurnContext turnContext,
                                                                      List<StoredMessage> history, String userText) {
        List<ChatMessage> out = new ArrayList<>(history.size() + 3);
        String prompt = sessionPrompt == null ? systemPrompt : sessionPrompt;
        out.add(SystemMessage.from(turnContext.dataBlock() == null ? prompt : prompt + "\n\n" + turnContext.dataBlock()));
        for (StoredMessage m : history) {
            out.add(m.role() == Role.USER ? UserMessage.from(m.text()) : AiMessage.from(m.text()));
        }
        out.add(UserMessage.from(userText));
        return out;
    }

    /**
     * What a run handed on by an earlier invocation asks the model after the conversation and the answer so far (as
     * the last assistant message): to go on from the exact point the hand-off stopped it.
     */
    public static final String CONTINUE_INSTRUCTION = "Continue exactly where you stopped, without repeating anything.";

    /**
     * The conversation of a continued run: {@code conversation}, the answer so far (an assistant message), then
     * {@link #CONTINUE_INSTRUCTION}.
     */
    public static List<ChatMessage> continuation(List<ChatMessage> conversation, String answerSoFar) {
        List<ChatMessage> out = new ArrayList<>(conversation.size() + 2);
        out.addAll(conversation);
        out.add(AiMessage.from(answerSoFar));
        out.add(UserMessage.from(CONTINUE_INSTRUCTION));
        return out;
    }

    /** The answer so far when {@code messages} ask to continue it ({@link #continuation}), else null. */
    public static String answerToContinue(List<ChatMessage> messages) {
        int n = messages.size();
        if (n >= 2 && messages.get(n - 1) instanceof UserMessage u && u.hasSingleText()
                && CONTINUE_INSTRUCTION.equals(u.singleText()) && messages.get(n - 2) instanceof AiMessage ai) {
            return ai.text() == null ? "" : ai.text();
        }
        return null;
    }
}
