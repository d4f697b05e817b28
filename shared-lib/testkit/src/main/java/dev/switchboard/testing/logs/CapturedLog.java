package dev.switchboard.testing.logs;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LogEvent;

/** The log events of one running test (or test class), kept until it is known whether it failed. */
final class CapturedLog {
    private final ReentrantLock lock = new ReentrantLock();
    private final List<LogEvent> events = new ArrayList<>();

    void add(LogEvent event) {
        event.getMessage().getFormattedMessage(); // fixes the text now, whatever its arguments become later
        LogEvent kept = event.toImmutable();
        lock.lock();
        try {
            events.add(kept);
        } finally {
            lock.unlock();
        }
    }

    int size() {
        lock.lock();
        try {
            return events.size();
        } finally {
            lock.unlock();
        }
    }

    /** Hands every event, in order, to the appender that would have printed it. */
    void replayTo(Appender appender) {
        List<LogEvent> copy;
        lock.lock();
        try {
            copy = List.copyOf(events);
        } finally {
            lock.unlock();
        }
        copy.forEach(appender::append);
    }
}
