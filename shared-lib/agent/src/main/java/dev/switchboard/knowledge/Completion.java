package dev.switchboard.knowledge;

/** One blocking, non-streaming call of the chat model: a system prompt and a user prompt in, the answer text out. */
@FunctionalInterface
public interface Completion {
    String complete(String systemPrompt, String userPrompt);
}
