package dev.switchboard.turn;

import dev.switchboard.port.Clock;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Groups streamed tokens into deltas with an adaptive interval: the first token goes out at once (time to first
 * delta); the next delta {@code flushMillis} after it, and each later interval twice the one before, up to
 * {@code maxFlushMillis}: 100, 200, 400, then every 600 ms with the worker's defaults. The answer is seen to start
 * flowing at once, and a long answer takes one post per {@code maxFlushMillis} instead of one per
 * {@code flushMillis}. {@code maxBytes} of UTF-8 text waiting are sent at once; {@link #finish} sends the rest.
 * <p>
 * Held text is never left waiting for the next token: when tokens are pending, a {@link Timer} sends them when their
 * interval is over, so a model that pauses mid-answer (before a tool call whose arguments take seconds to stream, or
 * a slow provider) does not keep the tail of what it said from the user. A delta never holds more than
 * {@code maxBytes}, so every frame stays under API Gateway's 32 KB.
 */
final class DeltaBatcher {
    /** Runs a task once after a delay; the batcher's way to send held text when no token comes to send it. */
    @FunctionalInterface
    interface Timer {
        void schedule(long delayMillis, Runnable task);

        /** The JDK's shared delay queue, the task on a virtual thread of its own (it posts to connections). */
        Timer SYSTEM = (delayMillis, task) -> CompletableFuture
                .delayedExecutor(delayMillis, TimeUnit.MILLISECONDS, r -> Thread.ofVirtual().name("delta-flush").start(r))
                .execute(task);
    }

    private final long flushMillis;
    private final long maxFlushMillis;
    private final int maxBytes;
    private final Clock clock;
    private final Timer timer;
    private final Consumer<String> sink;
    private final StringBuilder pending = new StringBuilder();
    private int pendingBytes;
    private long lastFlush;
    /** Deltas sent so far; a timer armed before a later delta went out is stale. */
    private int flushes;
    /** The value of {@link #flushes} the newest timer was armed for. */
    private int armedFor = -1;
    private boolean closed;

    DeltaBatcher(long flushMillis, long maxFlushMillis, int maxBytes, Clock clock, Timer timer,
                 Consumer<String> sink) {
        this.flushMillis = flushMillis;
        this.maxFlushMillis = maxFlushMillis;
        this.maxBytes = maxBytes;
        this.clock = clock;
        this.timer = timer;
        this.sink = sink;
    }

    synchronized void add(String token) {
        if (closed || token == null || token.isEmpty()) {
            return;
        }
        int i = 0;
        while (i < token.length()) {
            int cp = token.codePointAt(i);
            int n = Character.charCount(cp);
            int bytes = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
            if (pendingBytes + bytes > maxBytes) {
                flush();
            }
            pending.append(token, i, i + n);
            pendingBytes += bytes;
            i += n;
        }
        long wait = flushes == 0 ? 0 : lastFlush + interval() - clock.millis();
        if (wait <= 0) {
            flush();
        } else if (armedFor != flushes) {
            int armedAt = flushes;
            armedFor = armedAt;
            timer.schedule(wait, () -> onTimer(armedAt));
        }
    }

    /**
     * The wait after the last delta: {@code flushMillis} after the first delta, doubling with each delta since, capped
     * at {@code maxFlushMillis}.
     */
    private long interval() {
        int doublings = Math.min(Math.max(0, flushes - 1), 30);
        return flushMillis == 0 ? 0 : Math.min(maxFlushMillis, flushMillis << doublings);
    }

    /** Sends what is held when the interval the timer waited for is over, unless a delta went out meanwhile. */
    private synchronized void onTimer(int armedAt) {
        if (!closed && flushes == armedAt) {
            flush();
        }
    }

    synchronized void finish() {
        flush();
    }

    /** Drops what is pending and ignores later tokens: the turn failed, a stream still running must not reach clients. */
    synchronized void close() {
        closed = true;
        pending.setLength(0);
        pendingBytes = 0;
    }

    private void flush() {
        if (pending.isEmpty()) {
            return;
        }
        String text = pending.toString();
        pending.setLength(0);
        pendingBytes = 0;
        flushes++;
        lastFlush = clock.millis();
        sink.accept(text);
    }
}
