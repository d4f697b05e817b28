package dev.switchboard.agent;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The benchmark model ({@code bench:<name>} in MODELS): no language model, a clock. It streams a fixed answer of
 * {@code answerTokens} tokens, the first after {@code firstTokenMillis}, the rest at {@code tokensPerSecond}, so a load
 * run measures the platform, not a model. Each token is one short word ("tok1 ", "tok2 ", ...), about the 4 bytes an
 * English token averages.
 */
public final class BenchChatModel implements StreamingChatModel {
    public static final String FIRST_TOKEN_MILLIS = "BENCH_FIRST_TOKEN_MILLIS";
    public static final String TOKENS_PER_SECOND = "BENCH_TOKENS_PER_SECOND";
    public static final String ANSWER_TOKENS = "BENCH_ANSWER_TOKENS";

    private final String name;
    private final long firstTokenMillis;
    private final double tokensPerSecond;
    private final int answerTokens;

    /**
     * @param tokensPerSecond tokens after the first, per second; 0 or less: all at once
     */
    public BenchChatModel(String name, long firstTokenMillis, double tokensPerSecond, int answerTokens) {
        if (firstTokenMillis < 0 || answerTokens < 1) {
            throw new IllegalArgumentException("the bench model needs firstTokenMillis >= 0 and answerTokens >= 1");
        }
        this.name = name;
        this.firstTokenMillis = firstTokenMillis;
        this.tokensPerSecond = tokensPerSecond;
        this.answerTokens = answerTokens;
    }

    public String name() {
        return name;
    }

    public long firstTokenMillis() {
        return firstTokenMillis;
    }

    /** The token at {@code index} (0-based), as streamed. */
    static String token(int index) {
        return "tok" + (index + 1) + " ";
    }

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        if (dev.switchboard.knowledge.MemoryExtractor.isExtractionRequest(request.messages())) {
            // the memory job after each turn: answered at once with no change, so it costs platform calls only
            String none = "{\"operations\":[]}";
            handler.onCompleteResponse(ChatResponse.builder().aiMessage(AiMessage.from(none)).modelName(name)
                    .tokenUsage(new TokenUsage(1, 1)).finishReason(FinishReason.STOP).build());
            return;
        }
        StreamStop stop = new StreamStop();
        PartialResponseContext context = new PartialResponseContext(stop);
        StringBuilder text = new StringBuilder(answerTokens * 6);
        long start = System.nanoTime();
        long intervalNanos = tokensPerSecond > 0 ? (long) (1e9 / tokensPerSecond) : 0;
        try {
            for (int i = 0; i < answerTokens; i++) {
                // absolute schedule: a late token does not delay the ones after it
                long due = start + TimeUnit.MILLISECONDS.toNanos(firstTokenMillis) + i * intervalNanos;
                sleepUntil(due);
                if (stop.isCancelled()) {
                    return; // the caller closed the stream: no more tokens, no completion
                }
                String t = token(i);
                text.append(t);
                handler.onPartialResponse(new PartialResponse(t), context);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            handler.onError(e);
            return;
        } catch (RuntimeException e) {
            handler.onError(e);
            return;
        }
        int input = request.messages().stream().mapToInt(m -> m.toString().length() / 4 + 1).sum();
        handler.onCompleteResponse(ChatResponse.builder()
                .aiMessage(AiMessage.from(text.toString()))
                .modelName(name)
                .tokenUsage(new TokenUsage(input, answerTokens))
                .finishReason(FinishReason.STOP)
                .build());
    }

    private static void sleepUntil(long dueNanos) throws InterruptedException {
        long wait;
        while ((wait = dueNanos - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }
}
