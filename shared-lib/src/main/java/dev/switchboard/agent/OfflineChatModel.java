package dev.switchboard.agent;

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

/**
 * The offline model: used when no model is configured, so the whole chat path runs without keys or network. It is no
 * language model: it answers every message with a fixed, plainly labelled echo, streamed word by word, and reports the
 * name {@value #NAME} in every {@code done} event.
 */
public final class OfflineChatModel implements StreamingChatModel {
    public static final String NAME = "switchboard-offline-echo";

    private final long delayPerWordMillis;

    public OfflineChatModel(long delayPerWordMillis) {
        this.delayPerWordMillis = delayPerWordMillis;
    }

    static String answer(List<ChatMessage> messages) {
        String last = "";
        int earlier = 0;
        for (ChatMessage m : messages) {
            if (m instanceof UserMessage u) {
                earlier++;
                last = u.hasSingleText() ? u.singleText() : "";
            }
        }
        return "[offline model: no model is configured] You said: \"" + last + "\" (message " + earlier
                + " of this session).";
    }

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        String text = answer(request.messages());
        String[] words = text.split("(?<= )");
        try {
            for (String w : words) {
                if (delayPerWordMillis > 0) {
                    Thread.sleep(delayPerWordMillis);
                }
                handler.onPartialResponse(w);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            handler.onError(e);
            return;
        } catch (RuntimeException e) {
            handler.onError(e);
            return;
        }
        int input = request.messages().stream().mapToInt(m -> m.toString().split("\\s+").length).sum();
        handler.onCompleteResponse(ChatResponse.builder()
                .aiMessage(AiMessage.from(text))
                .modelName(NAME)
                .tokenUsage(new TokenUsage(input, words.length))
                .finishReason(FinishReason.STOP)
                .build());
    }
}
