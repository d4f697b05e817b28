package dev.switchboard.agent;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import java.util.List;

/**
 * The streaming of the in-process models (offline, bench): a scripted list of tokens, each sent after its wait, then
 * the complete answer; a caller that closes the stream gets no more tokens and no completion.
 */
final class ScriptedStream {
    /** Waits until token {@code index} (from 0) is due. */
    @FunctionalInterface
    interface Pace {
        void awaitToken(int index) throws InterruptedException;
    }

    private ScriptedStream() {}

    /** @param inputTokens the input tokens to report (the output tokens are the scripted ones) */
    static void stream(List<String> tokens, Pace pace, String modelName, int inputTokens,
                       StreamingChatResponseHandler handler) {
        StreamStop stop = new StreamStop();
        PartialResponseContext context = new PartialResponseContext(stop);
        StringBuilder text = new StringBuilder();
        try {
            for (int i = 0; i < tokens.size(); i++) {
                pace.awaitToken(i);
                if (stop.isCancelled()) {
                    return; // the caller closed the stream: no more tokens, no completion
                }
                text.append(tokens.get(i));
                handler.onPartialResponse(new PartialResponse(tokens.get(i)), context);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            handler.onError(e);
            return;
        } catch (RuntimeException e) {
            handler.onError(e);
            return;
        }
        complete(handler, text.toString(), modelName, new TokenUsage(inputTokens, tokens.size()));
    }

    /** Completes the call with {@code text} as the whole answer. */
    static void complete(StreamingChatResponseHandler handler, String text, String modelName, TokenUsage usage) {
        handler.onCompleteResponse(ChatResponse.builder()
                .aiMessage(AiMessage.from(text))
                .modelName(modelName)
                .tokenUsage(usage)
                .finishReason(FinishReason.STOP)
                .build());
    }
}
