package dev.switchboard.testing.logs;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/**
 * Stands in for one console appender of the root logger while tests run: an event goes to the log of the innermost
 * running test node (tests run one at a time, so the lines of every thread belong to it), or straight to the console
 * when no test node runs.
 */
final class CapturingAppender extends AbstractAppender {
    private record Running(String node, CapturedLog log) {}

    private final Appender console;
    private final ReentrantLock lock = new ReentrantLock();
    private final Deque<Running> running = new ArrayDeque<>();

    CapturingAppender(Appender console) {
        super("quiet-tests-" + console.getName(), null, console.getLayout(), true, Property.EMPTY_ARRAY);
        this.console = console;
    }

    Appender console() {
        return console;
    }

    @Override
    public void append(LogEvent event) {
        lock.lock();
        try {
            Running innermost = running.peek();
            if (innermost != null) {
                innermost.log().add(event);
                return;
            }
        } finally {
            lock.unlock();
        }
        console.append(event);
    }

    /** From now on, until {@link #close} of the same node or {@link #open} of another, events go to its log. */
    void open(String node) {
        lock.lock();
        try {
            running.push(new Running(node, new CapturedLog()));
        } finally {
            lock.unlock();
        }
    }

    /** The node's log, complete: no event is added to it afterwards. */
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

    /** Prints the log through the console appender, as it would have been printed without this one. */
    void print(CapturedLog log) {
        log.replayTo(console);
    }
}
