package dev.switchboard.infra.bench;

import dev.switchboard.infra.LocalStack;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The wall time of every function invocation of a local stack, by function, as Lambda bills duration: what the load
 * benchmark charges each function's GB-seconds by (its MemorySize × these seconds), so a batch of turns in one worker
 * invocation is billed once and shared by its turns. An empty SQS batch (the local sweep schedule's, every 2 s here
 * against every minute on AWS) is not counted. Thread-safe.
 */
public final class InvocationDurations implements LocalStack.InvocationListener {
    private final Map<String, LongAdder> nanos = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    /** Seconds and invocations by function. */
    public record Totals(Map<String, Double> seconds, Map<String, Long> invocations) {
        public double seconds(String function) {
            return seconds.getOrDefault(function, 0.0);
        }

        public long invocations(String function) {
            return invocations.getOrDefault(function, 0L);
        }

        Totals minus(Totals before) {
            Map<String, Double> s = new TreeMap<>(seconds);
            before.seconds.forEach((k, v) -> s.merge(k, -v, Double::sum));
            Map<String, Long> n = new TreeMap<>(invocations);
            before.invocations.forEach((k, v) -> n.merge(k, -v, Long::sum));
            return new Totals(s, n);
        }
    }

    @Override
    public void invoked(String function, int records, long wallNanos) {
        if (records == 0) {
            return;
        }
        nanos.computeIfAbsent(function, k -> new LongAdder()).add(wallNanos);
        counts.computeIfAbsent(function, k -> new LongAdder()).increment();
    }

    Totals snapshot() {
        Map<String, Double> s = new TreeMap<>();
        nanos.forEach((k, v) -> s.put(k, v.sum() / 1e9));
        Map<String, Long> n = new TreeMap<>();
        counts.forEach((k, v) -> n.put(k, v.sum()));
        return new Totals(s, n);
    }
}
