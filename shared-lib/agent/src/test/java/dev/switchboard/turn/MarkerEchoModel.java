package dev.switchboard.turn;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import dev.switchboard.knowledge.MemoryExtractor;
import dev.switchboard.tools.BuiltinTools;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test double for the model of {@link IsolationPropertyTest}: records every request (the assembled prompt) and answers
 * from it, so whatever reaches a prompt also reaches the answer, the stored history and the frames. A turn's answer
 * repeats the markers ({@link Markers}) found anywhere in the prompt and the words of the user's message. Keywords of
 * the user's message pick another path: {@value #SAVE} calls {@code save_note} (which needs the user's approval),
 * {@value #RECALL} calls {@code list_notes}, {@value #BROKEN} fails the call; a memory-extraction request adds a
 * memory when the message says {@value #REMEMBER}.
 */
final class MarkerEchoModel implements StreamingChatModel {
    static final String SAVE = "save";
    static final String RECALL = "recall";
    static final String REMEMBER = "remember";
    static final String BROKEN = "broken";
    private static final Set<String> KEYWORDS = Set.of(SAVE, RECALL, REMEMBER, BROKEN);
    private static final Pattern USER_MESSAGE = Pattern.compile("<user_message>\\n(.*?)\\n</user_message>",
            Pattern.DOTALL);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Queue<ChatRequest> requests = new ConcurrentLinkedQueue<>();

    /** The requests made since the last call. */
    List<ChatRequest> drain() {
        List<ChatRequest> out = new ArrayList<>();
        for (ChatRequest r; (r = requests.poll()) != null; ) {
            out.add(r);
        }
        return out;
    }

    /** Every text of a request: messages, tool calls and their results. */
    static String text(ChatRequest request) {
        StringBuilder b = new StringBuilder();
        for (ChatMessage m : request.messages()) {
            switch (m) {
                case SystemMessage s -> b.append(s.text());
                case UserMessage u -> b.append(u.singleText());
                case AiMessage a -> {
                    b.append(a.text() == null ? "" : a.text());
                    if (a.hasToolExecutionRequests()) {
                        a.toolExecutionRequests().forEach(t -> b.append('\n').append(t.arguments()));
                    }
                }
                case ToolExecutionResultMessage t -> b.append(t.text());
                default -> b.append(m);
            }
            b.append('\n');
        }
        return b.toString();
    }

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        requests.add(request);
        List<ChatMessage> messages = request.messages();
        if (MemoryExtractor.isExtractionRequest(messages)) {
            complete(handler, AiMessage.from(extraction(text(request))), FinishReason.STOP);
            return;
        }
        ChatMessage last = messages.get(messages.size() - 1);
        String userText = last instanceof UserMessage u ? u.singleText() : "";
        boolean tools = request.toolSpecifications() != null && !request.toolSpecifications().isEmpty();
        String markers = String.join(" ", Markers.usersIn(text(request)).stream().map(Markers::of).toList());
        if (userText.contains(BROKEN)) {
            handler.onError(new IllegalStateException("scripted model failure"));
        } else if (tools && userText.contains(SAVE)) {
            complete(handler, AiMessage.from(call(BuiltinTools.SAVE_NOTE,
                    JSON.createObjectNode().put("text", markers + " note " + words(userText)).toString())),
                    FinishReason.TOOL_EXECUTION);
        } else if (tools && userText.contains(RECALL)) {
            complete(handler, AiMessage.from(call(BuiltinTools.LIST_NOTES, "{}")), FinishReason.TOOL_EXECUTION);
        } else {
            String answer = markers + " answer " + words(userText);
            int third = answer.length() / 3;
            handler.onPartialResponse(answer.substring(0, third));
            handler.onPartialResponse(answer.substring(third, 2 * third));
            handler.onPartialResponse(answer.substring(2 * third));
            complete(handler, AiMessage.from(answer), FinishReason.STOP);
        }
    }

    /** Memory extraction: one ADD, with the markers of the user's message, when it asks to remember. */
    private static String extraction(String prompt) {
        Matcher m = USER_MESSAGE.matcher(prompt);
        String message = m.find() ? m.group(1) : "";
        if (!message.contains(REMEMBER)) {
            return "{\"operations\":[]}";
        }
        String fact = String.join(" ", Markers.usersIn(message).stream().map(Markers::of).toList()) + " likes "
                + words(message);
        var root = JSON.createObjectNode();
        root.putArray("operations").addObject().put("op", "ADD").put("text", fact);
        return root.toString();
    }

    private static ToolExecutionRequest call(String tool, String arguments) {
        return ToolExecutionRequest.builder().id("call-1").name(tool).arguments(arguments).build();
    }

    /** The plain words of a message: no markers, no keywords. */
    private static String words(String text) {
        List<String> out = new ArrayList<>();
        for (String w : text.split("\\s+")) {
            if (!w.isEmpty() && !w.contains("«") && !KEYWORDS.contains(w)) {
                out.add(w);
            }
        }
        return String.join(" ", out);
    }

    private static void complete(StreamingChatResponseHandler handler, AiMessage message, FinishReason reason) {
        handler.onCompleteResponse(ChatResponse.builder().aiMessage(message).tokenUsage(new TokenUsage(12, 4))
                .finishReason(reason).build());
    }
}
