package dev.switchboard.runtime;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SnapStart priming (a handler's {@code beforeCheckpoint}): steps that only warm classes and connections before the
 * snapshot. A step that throws (throttled, IAM not yet propagated, a service unreachable) is logged and the next one
 * runs: an exception out of {@code beforeCheckpoint} fails the version's publication and rolls the stack back, while
 * a snapshot without one warm path only makes its first request slower.
 */
public final class Priming {
    private static final Logger LOG = LoggerFactory.getLogger(Priming.class);

    /** One priming step. */
    @FunctionalInterface
    public interface Step {
        void run() throws Exception;
    }

    private Priming() {
    }

    /** Runs every step; returns how many failed (each logged as a warning, never thrown). */
    public static int run(String function, Step... steps) {
        int failed = 0;
        for (int i = 0; i < steps.length; i++) {
            try {
                steps[i].run();
            } catch (Exception e) {
                failed++;
                LOG.warn("{} priming step {} of {} failed, the snapshot is taken without it: {}", function, i + 1,
                        steps.length, e.getClass().getName());
            }
        }
        return failed;
    }
}
