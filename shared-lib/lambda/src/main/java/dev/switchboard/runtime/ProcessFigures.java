package dev.switchboard.runtime;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Figures of this execution environment for a health report: heap, time since init (or since the SnapStart restore),
 * and whether an invocation is the environment's first ("cold", including the first after a restore) or a later one
 * ("warm").
 */
public final class ProcessFigures {
    /**
     * @param start        {@code cold} for the first invocation of the environment (or after a restore), else {@code warm}
     * @param restored     the environment was restored from a SnapStart snapshot
     * @param uptimeMillis since init, or since the restore
     * @param invocations  invocations of this environment so far, this one included
     */
    public record Snapshot(String start, boolean restored, long uptimeMillis, long invocations, long heapUsedBytes,
                           long heapCommittedBytes, long heapMaxBytes, int processors) {}

    private volatile long startedAtNanos = System.nanoTime();
    private volatile boolean restored;
    private final AtomicLong invocations = new AtomicLong();

    /** Counts an invocation; returns whether it is the first of the environment. */
    public boolean invoked() {
        return invocations.incrementAndGet() == 1;
    }

    /** After a SnapStart restore: the next invocation is cold again, uptime counts from now. */
    public void restored() {
        startedAtNanos = System.nanoTime();
        restored = true;
        invocations.set(0);
    }

    /** @param cold what {@link #invoked()} returned for this invocation */
    public Snapshot snapshot(boolean cold) {
        Runtime rt = Runtime.getRuntime();
        return new Snapshot(cold ? "cold" : "warm", restored, (System.nanoTime() - startedAtNanos) / 1_000_000,
                invocations.get(), rt.totalMemory() - rt.freeMemory(), rt.totalMemory(), rt.maxMemory(),
                rt.availableProcessors());
    }
}
