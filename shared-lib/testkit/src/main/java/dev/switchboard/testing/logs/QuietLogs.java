package dev.switchboard.testing.logs;

import java.io.PrintStream;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Keeps the log of each test and test class (what is logged while it runs and no test inside it does, and the
 * metric records printed meanwhile) and prints it only when that test or class fails; the logs of passing tests are
 * dropped. Whatever else tests print to {@code System.out} passes through. Being a launcher listener, it serves every
 * engine: Jupiter tests and jqwik properties.
 */
public final class QuietLogs implements TestExecutionListener {

    /** What is swapped while a test plan runs. */
    private record Quiet(RunningNodes nodes, Optional<ConsoleSwap> consoles, MetricRecordsOut out) {
        static Quiet install() {
            RunningNodes nodes = new RunningNodes();
            MetricRecordsOut out = new MetricRecordsOut(System.out, nodes);
            Quiet quiet = new Quiet(nodes, ConsoleSwap.install(nodes), out);
            System.setOut(out);
            return quiet;
        }

        void restore() {
            if (System.out == out) {
                System.setOut(out.original());
            }
            consoles.ifPresent(ConsoleSwap::restore);
        }
    }

    private final AtomicReference<Optional<Quiet>> quiet = new AtomicReference<>(Optional.empty());

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        quiet.set(Optional.of(Quiet.install()));
    }

    @Override
    public void testPlanExecutionFinished(TestPlan testPlan) {
        quiet.getAndSet(Optional.empty()).ifPresent(Quiet::restore);
    }

    @Override
    public void executionStarted(TestIdentifier node) {
        quiet.get().ifPresent(q -> q.nodes().open(node.getUniqueId()));
    }

    @Override
    public void executionFinished(TestIdentifier node, TestExecutionResult result) {
        boolean failed = result.getStatus() == TestExecutionResult.Status.FAILED;
        quiet.get().ifPresent(q -> q.nodes().close(node.getUniqueId())
                .filter(log -> failed)
                .ifPresent(log -> print(node, log, q.out().original())));
    }

    private static void print(TestIdentifier node, CapturedLog log, PrintStream out) {
        out.printf("======== log of the failed %s (%d lines) ========%n", node.getUniqueId(), log.size());
        log.print();
        out.printf("======== end of the log of the failed %s ========%n", node.getUniqueId());
        out.flush();
    }
}
