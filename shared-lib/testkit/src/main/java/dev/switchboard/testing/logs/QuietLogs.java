package dev.switchboard.testing.logs;

import java.io.PrintStream;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Keeps the log of each test and test class (what is logged while it runs and no test inside it does) and prints it
 * only when that test or class fails; the logs of passing tests are dropped. What tests print to {@code System.out}
 * themselves is not touched. Being a launcher listener, it serves every engine: Jupiter tests and jqwik properties.
 */
public final class QuietLogs implements TestExecutionListener {
    private final AtomicReference<Optional<ConsoleSwap>> swap = new AtomicReference<>(Optional.empty());

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        swap.set(ConsoleSwap.install());
    }

    @Override
    public void testPlanExecutionFinished(TestPlan testPlan) {
        swap.getAndSet(Optional.empty()).ifPresent(ConsoleSwap::restore);
    }

    @Override
    public void executionStarted(TestIdentifier node) {
        swap.get().ifPresent(s -> s.eachCapture(c -> c.open(node.getUniqueId())));
    }

    @Override
    public void executionFinished(TestIdentifier node, TestExecutionResult result) {
        boolean failed = result.getStatus() == TestExecutionResult.Status.FAILED;
        swap.get().ifPresent(s -> s.eachCapture(c -> c.close(node.getUniqueId())
                .filter(log -> failed)
                .ifPresent(log -> print(node, c, log))));
    }

    private static void print(TestIdentifier node, CapturingAppender capture, CapturedLog log) {
        PrintStream out = System.out;
        out.printf("======== log of the failed %s (%d events) ========%n", node.getUniqueId(), log.size());
        capture.print(log);
        out.printf("======== end of the log of the failed %s ========%n", node.getUniqueId());
        out.flush();
    }
}
