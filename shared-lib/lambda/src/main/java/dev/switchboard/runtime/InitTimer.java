package dev.switchboard.runtime;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;

/** Measures the parts of a composition root, so the time each global part takes at init is logged once. */
public final class InitTimer {
    private final Map<String, Long> millis = new LinkedHashMap<>();
    private final long started = System.nanoTime();

    public <T> T time(String part, Supplier<T> build) {
        long t0 = System.nanoTime();
        T value = build.get();
        record(part, (System.nanoTime() - t0) / 1_000_000);
        return value;
    }

    public void record(String part, long partMillis) {
        millis.put(part, partMillis);
    }

    public long totalMillis() {
        return (System.nanoTime() - started) / 1_000_000;
    }

    public Map<String, Long> millis() {
        return Map.copyOf(millis);
    }

    /** One INFO line: {@code init timings (ms): total=… part=… …}. */
    public void log(Logger log) {
        StringBuilder b = new StringBuilder("init timings (ms): total=")
                .append((System.nanoTime() - started) / 1_000_000);
        millis.forEach((part, ms) -> b.append(' ').append(part).append('=').append(ms));
        log.info(b.toString());
    }
}
