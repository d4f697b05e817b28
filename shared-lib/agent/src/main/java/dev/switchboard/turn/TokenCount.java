package dev.switchboard.turn;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.TokenUsage;

/** The input and output tokens of model calls: as the model reported them, or estimated where it reported none. */
record TokenCount(int input, int output) {
    static final TokenCount NONE = new TokenCount(0, 0);
    /** The estimate's characters per token (a common rule of thumb for English text; it over-counts code less). */
    static final int CHARS_PER_TOKEN = 4;

    /** This count and one more call's usage (null: the model reported none). */
    TokenCount plus(TokenUsage usage) {
        return usage == null ? this : plus(of(usage));
    }

    TokenCount plus(TokenCount other) {
        return new TokenCount(input + other.input, output + other.output);
    }

    int total() {
        return input + output;
    }

    static TokenCount of(TokenUsage usage) {
        return new TokenCount(usage.inputTokenCount() == null ? 0 : usage.inputTokenCount(),
                usage.outputTokenCount() == null ? 0 : usage.outputTokenCount());
    }

    /**
     * What one call is charged: the usage the model reported with its complete response; when there is none (the
     * stream was cancelled, failed or timed out, or the model reports no usage), an estimate of one token per
     * {@value #CHARS_PER_TOKEN} characters of the request's messages and tools and of the text that streamed (a
     * failed call is charged so too: a provider may bill a prompt it read before failing).
     */
    static TokenCount charged(ChatRequest request, ChatResponse response, long streamedChars) {
        if (response != null && response.tokenUsage() != null && response.tokenUsage().totalTokenCount() != null
                && response.tokenUsage().totalTokenCount() > 0) {
            return of(response.tokenUsage());
        }
        long chars = 0;
        for (ChatMessage m : request.messages()) {
            chars += switch (m) {
                case SystemMessage s -> s.text().length();
                case UserMessage u -> u.hasSingleText() ? u.singleText().length() : u.contents().toString().length();
                case AiMessage a -> (a.text() == null ? 0 : a.text().length())
                        + (a.hasToolExecutionRequests() ? a.toolExecutionRequests().toString().length() : 0);
                case ToolExecutionResultMessage t -> t.text().length();
                default -> m.toString().length();
            };
        }
        if (request.toolSpecifications() != null) {
            chars += request.toolSpecifications().toString().length();
        }
        return new TokenCount(tokens(chars), tokens(streamedChars));
    }

    private static int tokens(long chars) {
        return (int) Math.min(Integer.MAX_VALUE, (chars + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN);
    }
}
