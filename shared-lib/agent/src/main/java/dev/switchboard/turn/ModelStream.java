package dev.switchboard.turn;

import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One model call of a turn, streamed: the model runs on its own virtual thread while this thread waits for it and,
 * every poll interval, asks whether the turn was cancelled; on a cancel, or at the deadline, the stream is closed.
 */
final class ModelStream {
    private static final Logger LOG = LoggerFactory.getLogger(ModelStream.class);

    /**
     * The model's complete response, or null when the turn was cancelled while it streamed or the deadline came first
     * ({@code outOfTime}, only when its {@link AtDeadline} lets it stop); the tokens the call was charged (see
     * {@link TokenCount#charged}).
     */
    record Result(ChatResponse response, boolean cancelled, TokenCount tokens, boolean outOfTime) {
        Result(ChatResponse response, boolean cancelled, TokenCount tokens) {
            this(response, cancelled, tokens, false);
        }
    }

    /**
     * A model whose last text came longer ago than this at the deadline has stalled: its delivery fails (and the next
     * one restarts the turn) rather than handing a stalled stream on.
     */
    static final long HANDOFF_MAX_GAP_MILLIS = 2_000;

    private final long pollMillis;

    /** The request for one model call: the conversation so far, and the tools offered (none: no tool call). */
    static ChatRequest request(List<ChatMessage> conversation, List<ToolSpecification> specs) {
        ChatRequest.Builder b = ChatRequest.builder().messages(conversation);
        if (!specs.isEmpty()) {
            b.toolSpecifications(specs);
        }
        return b.build();
    }

    ModelStream(long pollMillis) {
        this.pollMillis = pollMillis;
    }

    /**
     * @param waitMillis how long the model may take
     * @param partials   each streamed text, on the model's thread
     * @param cancelled  the poll, asked each interval: true when the turn was cancelled
     * @param charge     gets the call's tokens once it ended, however it ended (before this returns or throws)
     * @throws TurnFailedException when the model failed or did not finish in time
     */
    Result stream(StreamingChatModel model, ChatRequest request, String turnId, long waitMillis,
                  Consumer<String> partials, BooleanSupplier cancelled, Consumer<TokenCount> charge) {
        return stream(model, request, turnId, waitMillis, partials, cancelled, charge, AtDeadline.FAIL);
    }

    /**
     * What a stream still running at its deadline does: fail the delivery (the next one restarts the turn), or stop
     * and return what streamed so far ({@code outOfTime}), either only while the model still streams text (within the
     * last {@value #HANDOFF_MAX_GAP_MILLIS} ms; a stalled model still fails) or always (the run's maximum length).
     */
    enum AtDeadline { FAIL, STOP_IF_STREAMING, STOP }

    Result stream(StreamingChatModel model, ChatRequest request, String turnId, long waitMillis,
                  Consumer<String> partials, BooleanSupplier cancelled, Consumer<TokenCount> charge,
                  AtDeadline atDeadline) {
        StreamedCall call = StreamedCall.start(model, request, "model-" + turnId, partials);
        Result result = null;
        try {
            // the wait is measured on the monotonic clock
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(1, waitMillis));
            while (true) {
                long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
                if (left <= 0) {
                    boolean streaming = call.streamedWithin(HANDOFF_MAX_GAP_MILLIS);
                    call.stop();
                    if (atDeadline == AtDeadline.STOP || atDeadline == AtDeadline.STOP_IF_STREAMING && streaming) {
                        LOG.info("deadline reached while the model streams; model stream closed");
                        result = new Result(null, false, TokenCount.charged(request, null, call.streamedChars()),
                                true);
                        return result;
                    }
                    throw new TurnFailedException("model did not finish before the invocation's deadline", null);
                }
                Optional<ChatResponse> response;
                try {
                    response = call.await(Math.min(left, pollMillis));
                } catch (ModelCallException e) {
                    throw new TurnFailedException(e.getMessage(), e.getCause());
                }
                if (response.isPresent()) {
                    result = new Result(response.get(), false,
                            TokenCount.charged(request, response.get(), call.streamedChars()));
                    return result;
                }
                if (cancelled.getAsBoolean()) {
                    call.stop();
                    LOG.info("turn cancelled by the user; model stream closed");
                    result = new Result(null, true, TokenCount.charged(request, null, call.streamedChars()));
                    return result;
                }
            }
        } finally {
            // a call that failed or ran out of time is charged what it read and streamed
            charge.accept(result != null ? result.tokens() : TokenCount.charged(request, null, call.streamedChars()));
        }
    }
}
