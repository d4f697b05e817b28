package dev.switchboard.turn;

import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.PartialThinking;
import dev.langchain4j.model.chat.response.PartialThinkingContext;
import dev.langchain4j.model.chat.response.PartialToolCall;
import dev.langchain4j.model.chat.response.PartialToolCallContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * One streamed model call as a result to wait for: the model runs on a virtual thread of its own, each partial text
 * goes to a consumer, the complete response (or the model's failure) ends the wait. {@link #stop} closes the stream:
 * no partial text reaches the consumer after it.
 */
final class StreamedCall implements StreamingChatResponseHandler {
    private final Consumer<String> partials;
    private final CompletableFuture<ChatResponse> response = new CompletableFuture<>();
    private final ReentrantLock lock = new ReentrantLock();
    /** The model's handle on its stream, once its first partial response came (guarded by {@link #lock}). */
    private StreamingHandle handle;
    /** Guarded by {@link #lock}. */
    private boolean stopped;
    /** The characters of text that streamed before the stop (guarded by {@link #lock}). */
    private long streamedChars;
    /**
     * When the model last streamed something ({@link System#nanoTime()}; 0: nothing yet; guarded by {@link #lock}):
     * text for the consumer, or a piece of its thinking or of a tool call it is making.
     */
    private long lastStreamedNanos;

    private StreamedCall(Consumer<String> partials) {
        this.partials = partials;
    }

    /** Starts the call on a virtual thread named {@code threadName}. */
    static StreamedCall start(StreamingChatModel model, ChatRequest request, String threadName,
                              Consumer<String> partials) {
        StreamedCall call = new StreamedCall(partials);
        Thread.ofVirtual().name(threadName).start(() -> {
            try {
                model.chat(request, call);
            } catch (RuntimeException e) {
                call.response.completeExceptionally(e);
            }
        });
        return call;
    }

    /**
     * Waits up to {@code millis} for the complete response.
     *
     * @return empty when it did not come in time (the call goes on)
     * @throws ModelCallException when the model failed, or the wait was interrupted (the call is stopped)
     */
    Optional<ChatResponse> await(long millis) {
        try {
            return Optional.of(response.get(millis, TimeUnit.MILLISECONDS));
        } catch (ExecutionException e) {
            throw new ModelCallException("model failed: " + e.getCause().getClass().getSimpleName(), e.getCause());
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop();
            throw new ModelCallException("interrupted", e);
        }
    }

    /** The characters of text that reached the consumer so far. */
    long streamedChars() {
        lock.lock();
        try {
            return streamedChars;
        } finally {
            lock.unlock();
        }
    }

    /** Whether the model streamed text, thinking or a tool call within the last {@code millis} (false: nothing yet). */
    boolean streamedWithin(long millis) {
        lock.lock();
        try {
            return lastStreamedNanos != 0 && System.nanoTime() - lastStreamedNanos <= TimeUnit.MILLISECONDS.toNanos(millis);
        } finally {
            lock.unlock();
        }
    }

    /** Closes the model's stream; later partial texts are dropped. */
    void stop() {
        lock.lock();
        try {
            stopped = true;
            if (handle != null) {
                handle.cancel();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
        lock.lock();
        try {
            handle = context.streamingHandle();
            if (stopped) {
                handle.cancel();
                return;
            }
            streamedChars += partial.text() == null ? 0 : partial.text().length();
            lastStreamedNanos = System.nanoTime();
            partials.accept(partial.text());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void onPartialToolCall(PartialToolCall partial, PartialToolCallContext context) {
        streaming(context.streamingHandle());
    }

    @Override
    public void onPartialToolCall(PartialToolCall partial) {
        streaming(null);
    }

    @Override
    public void onPartialThinking(PartialThinking partial, PartialThinkingContext context) {
        streaming(context.streamingHandle());
    }

    @Override
    public void onPartialThinking(PartialThinking partial) {
        streaming(null);
    }

    /** The model streams something other than text (a tool call, its thinking): it has not stalled. */
    private void streaming(StreamingHandle from) {
        lock.lock();
        try {
            if (from != null) {
                handle = from;
            }
            if (stopped) {
                if (handle != null) {
                    handle.cancel();
                }
                return;
            }
            lastStreamedNanos = System.nanoTime();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void onPartialResponse(String partial) {
        lock.lock();
        try {
            if (!stopped) {
                streamedChars += partial == null ? 0 : partial.length();
                lastStreamedNanos = System.nanoTime();
                partials.accept(partial);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void onCompleteResponse(ChatResponse complete) {
        response.complete(complete);
    }

    @Override
    public void onError(Throwable error) {
        response.completeExceptionally(error);
    }
}
