package dev.switchboard.agent;

import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.TokenUsage;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;

/**
 * The benchmark model ({@code bench:<name>} in MODELS): no language model, a clock. It streams a fixed answer of
 * {@code answerTokens} tokens, the first after {@code firstTokenMillis}, the rest at {@code tokensPerSecond}, so a load
 * run measures the platform, not a model. Each token is one short word ("tok1 ", "tok2 ", ...), about the 4 bytes an
 * English token averages. Asked to continue an answer ({@link AgentFactory#continuation}), it streams the tokens after
 * the ones that answer holds.
 */
public final class BenchChatModel implements StreamingChatModel {

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

    /** The token at {@code index} (0-based), as streamed (also by the load benchmark's floor path). */
    public static String token(int index) {
        return "tok" + (index + 1) + " ";
    }

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        if (dev.switchboard.knowledge.MemoryExtractor.isExtractionRequest(request.messages())) {
            // the memory job after each turn: answered at once with no change, so it costs platform calls only
            ScriptedStream.complete(handler, "{\"operations\":[]}", name, new TokenUsage(1, 1));
            return;
        }
        // asked to continue an answer it was stopped in (a hand-off): the tokens after those it already has
        String soFar = AgentFactory.answerToContinue(request.messages());
        int from = soFar == null || soFar.isBlank() ? 0 : Math.min(answerTokens, soFar.strip().split("\\s+").length);
        List<String> tokens = IntStream.range(from, answerTokens).mapToObj(BenchChatModel::token).toList();
        int input = request.messages().stream().mapToInt(m -> m.toString().length() / 4 + 1).sum();
        long start = System.nanoTime();
        long intervalNanos = tokensPerSecond > 0 ? (long) (1e9 / tokensPerSecond) : 0;
        // absolute schedule: a late token does not delay the ones after it
        ScriptedStream.stream(tokens,
                i -> sleepUntil(start + TimeUnit.MILLISECONDS.toNanos(firstTokenMillis) + i * intervalNanos),
                name, input, handler);
    }

    /** Parks until {@code dueNanos} ({@link System#nanoTime()}); interruptible. */
    public static void sleepUntil(long dueNanos) throws InterruptedException {
        long wait;
        while ((wait = dueNanos - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }
}
