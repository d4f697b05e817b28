package dev.switchboard.testing.logs;

import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/**
 * Stands in for one console appender of the root logger while tests run: an event is held in the log of the running
 * test node, or goes straight to the console when no test node runs.
 */
final class CapturingAppender extends AbstractAppender {
    private final Appender console;
    private final RunningNodes nodes;

    CapturingAppender(Appender console, RunningNodes nodes) {
        super("quiet-tests-" + console.getName(), null, console.getLayout(), true, Property.EMPTY_ARRAY);
        this.console = console;
        this.nodes = nodes;
    }

    Appender console() {
        return console;
    }

    @Override
    public void append(LogEvent event) {
        if (!nodes.keep(CapturedLine.Logged.of(event, console))) {
            console.append(event);
        }
    }
}
