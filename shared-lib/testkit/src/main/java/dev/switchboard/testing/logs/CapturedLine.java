package dev.switchboard.testing.logs;

import java.io.PrintStream;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LogEvent;

/** One held line, printed later (if its test fails) where it would have been printed at once. */
sealed interface CapturedLine {
    void print();

    /** A log event for a console appender. */
    record Logged(LogEvent event, Appender console) implements CapturedLine {
        static Logged of(LogEvent event, Appender console) {
            event.getMessage().getFormattedMessage(); // fixes the text now, whatever its arguments become later
            return new Logged(event.toImmutable(), console);
        }

        @Override
        public void print() {
            console.append(event);
        }
    }

    /** A line for standard output. */
    record Printed(String text, PrintStream out) implements CapturedLine {
        @Override
        public void print() {
            out.println(text);
        }
    }
}
