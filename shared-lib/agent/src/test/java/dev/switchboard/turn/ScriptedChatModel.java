package dev.switchboard.turn;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Test double for a streaming model: streams the scripted tokens one {@code onPartialResponse} each, then completes
 * with their concatenation, {@link #INPUT_TOKENS} input tokens, one output token per streamed token and STOP. Every
 * request is captured. Requests that match {@code failWhen} get {@code onError} instead.
 */
final class ScriptedChatModel implements StreamingChatModel {
    static final int INPUT_TOKENS = 11;

    final List<ChatRequest> requests = new CopyOnWriteArrayList<>();
    private final Function<ChatRequest, List<String>> script;
    private final Predicate<ChatRequest> failWhen;

    ScriptedChatModel(Function<ChatRequest, List<String>> script, Predicate<ChatRequest> failWhen) {
        this.script = script;
        this.failWhen = failWhen;
    }

    static ScriptedChatModel answering(String... tokens) {
        return new ScriptedChatModel(r -> List.of(tokens), r -> false);
    }

    static ScriptedChatModel failing() {
        return new ScriptedChatModel(r -> List.of(), r -> true);
    }

    /** The text of the last user message of a request (the turn being answered). */
    static String lastUserText(ChatRequest request) {
        String last = null;
        for (ChatMessage m : request.messages()) {
            if (m instanceof UserMessage u) {
                last = u.singleText();
            }
        }
        return last;
    }

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        requests.add(request);
        if (failWhen.test(request)) {
            handler.onError(new IllegalStateException("scripted model failure"));
            return;
        }
        List<String> tokens = script.apply(request);
        for (String t : tokens) {
            handler.onPartialResponse(t);
        }
        handler.onCompleteResponse(ChatResponse.builder()
                .aiMessage(AiMessage.from(String.join("", tokens)))
                .tokenUsage(new TokenUsage(INPUT_TOKENS, tokens.size()))
                .finishReason(FinishReason.STOP)
                .build());
    }
}
