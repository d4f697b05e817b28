package dev.switchboard.testing.logs;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The test nodes (tests, test classes) running now, each with its log; a line belongs to the innermost one. Tests
 * run one at a time here, so what any thread prints while a test runs belongs to that test.
 */
final class RunningNodes {
    private record Running(String node, CapturedLog log) {}

    private final ReentrantLock lock = new ReentrantLock();
    private final Deque<Running> running = new ArrayDeque<>();

    /** From now on, until {@link #close} of the same node or {@link #open} of another, lines go to its log. */
    void open(String node) {
        lock.lock();
        try {
            running.push(new Running(node, new CapturedLog()));
        } finally {
            lock.unlock();
        }
    }

    /** The node's log, complete: no line is added to it afterwards. */
    Optional<CapturedLog> close(String node) {
        lock.lock();
        try {
            Optional<Running> found = running.stream().filter(r -> r.node().equals(node)).findFirst();
            found.ifPresent(running::remove);
            return found.map(Running::log);
        } finally {
            lock.unlock();
        }
    }

    /** Adds the line to the log of the innermost running node; false when none runs (the caller prints it). */
    boolean keep(CapturedLine line) {
        lock.lock();
        try {
            Running innermost = running.peek();
            if (innermost == null) {
                return false;
            }
            innermost.log().add(line);
            return true;
        } finally {
            lock.unlock();
        }
    }
}
