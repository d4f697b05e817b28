package dev.switchboard.usecase;

import dev.switchboard.port.Clock;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Groups streamed tokens into deltas: the first token goes out at once (time to first delta), later ones when
 * {@code flushMillis} have passed since the last delta or {@code maxBytes} of UTF-8 text are waiting; {@link #finish}
 * sends the rest. A delta never holds more than {@code maxBytes}, so every frame stays under API Gateway's 32 KB.
 */
final class DeltaBatcher {
    private final long flushMillis;
    private final int maxBytes;
    private final Clock clock;
    private final Consumer<String> sink;
    private final StringBuilder pending = new StringBuilder();
    private int pendingBytes;
    private long lastFlush;
    private boolean first = true;
    private boolean closed;

    DeltaBatcher(long flushMillis, int maxBytes, Clock clock, Consumer<String> sink) {
        this.flushMillis = flushMillis;
        this.maxBytes = maxBytes;
        this.clock = clock;
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
        if (first || clock.millis() - lastFlush >= flushMillis) {
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
        first = false;
        lastFlush = clock.millis();
        sink.accept(text);
    }
}
