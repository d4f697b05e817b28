package dev.switchboard.agent;

import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.switchboard.knowledge.MemoryExtractor;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import java.util.List;

/**
 * The offline model: used when no model is configured, so the whole chat path runs without keys or network. It is no
 * language model: it answers every message with a fixed, plainly labelled echo, streamed word by word, and reports the
 * name {@value #NAME} in every {@code done} event.
 */
public final class OfflineChatModel implements StreamingChatModel {
    public static final String NAME = dev.switchboard.config.ModelIds.OFFLINE_NAME;

    private final long delayPerWordMillis;

    public OfflineChatModel(long delayPerWordMillis) {
        this.delayPerWordMillis = delayPerWordMillis;
    }

    private static final java.util.regex.Pattern USER_MESSAGE =
            java.util.regex.Pattern.compile("<user_message>\\n(.*?)\\n</user_message>", java.util.regex.Pattern.DOTALL);
    private static final java.util.regex.Pattern REMEMBER = java.util.regex.Pattern.compile(
            "(?i)\\bremember(?:\\s+that)?\\s+([^.!?\\n]{3,300})");

    /**
     * The offline stand-in for memory extraction (a prompt starting with {@link MemoryExtractor#MARKER}): no model
     * judges anything; only sentences of the form "remember (that) X" become facts to add.
     */
    static String extractMemories(List<ChatMessage> messages) {
        String prompt = "";
        for (ChatMessage m : messages) {
            if (m instanceof UserMessage u && u.hasSingleText()) {
                prompt = u.singleText();
            }
        }
        java.util.regex.Matcher user = USER_MESSAGE.matcher(prompt);
        StringBuilder ops = new StringBuilder("{\"operations\":[");
        if (user.find()) {
            java.util.regex.Matcher fact = REMEMBER.matcher(user.group(1));
            boolean first = true;
            while (fact.find()) {
                String text = fact.group(1).strip().replace("\\", "\\\\").replace("\"", "\\\"");
                ops.append(first ? "" : ",").append("{\"op\":\"ADD\",\"text\":\"").append(text).append("\"}");
                first = false;
            }
        }
        return ops.append("]}").toString();
    }

    static String answer(List<ChatMessage> messages) {
        if (MemoryExtractor.isExtractionRequest(messages)) {
            return extractMemories(messages);
        }
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
        List<String> words = List.of(answer(request.messages()).split("(?<= )"));
        int input = request.messages().stream().mapToInt(m -> m.toString().split("\\s+").length).sum();
        ScriptedStream.stream(words, index -> {
            if (delayPerWordMillis > 0) {
                Thread.sleep(delayPerWordMillis);
            }
        }, NAME, input, handler);
    }
}
