package dev.switchboard.testing.logs;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/** The lines of one running test (or test class), kept until it is known whether it failed. */
final class CapturedLog {
    private final ReentrantLock lock = new ReentrantLock();
    private final List<CapturedLine> lines = new ArrayList<>();

    void add(CapturedLine line) {
        lock.lock();
        try {
            lines.add(line);
        } finally {
            lock.unlock();
        }
    }

    int size() {
        lock.lock();
        try {
            return lines.size();
        } finally {
            lock.unlock();
        }
    }

    /** Prints every line, in order, where it would have been printed without the capture. */
    void print() {
        List<CapturedLine> copy;
        lock.lock();
        try {
            copy = List.copyOf(lines);
        } finally {
            lock.unlock();
        }
        copy.forEach(CapturedLine::print);
    }
}
