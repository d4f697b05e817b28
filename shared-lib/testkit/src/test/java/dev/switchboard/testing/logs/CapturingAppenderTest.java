package dev.switchboard.testing.logs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.logging.log4j.message.SimpleMessage;
import org.junit.jupiter.api.Test;

class CapturingAppenderTest {

    private static final class Console extends AbstractAppender {
        final List<String> printed = new CopyOnWriteArrayList<>();

        Console() {
            super("console", null, PatternLayout.createDefaultLayout(), true, Property.EMPTY_ARRAY);
        }

        @Override
        public void append(LogEvent event) {
            printed.add(event.getMessage().getFormattedMessage());
        }
    }

    private final Console console = new Console();
    private final RunningNodes nodes = new RunningNodes();
    private final CapturingAppender capture = new CapturingAppender(console, nodes);

    private static LogEvent event(String text) {
        return Log4jLogEvent.newBuilder().setLevel(Level.ERROR).setMessage(new SimpleMessage(text)).build();
    }

    @Test
    void withNoTestRunningLinesGoStraightToTheConsole() {
        capture.append(event("outside"));

        assertThat(console.printed).containsExactly("outside");
    }

    @Test
    void linesGoToTheInnermostRunningNodeAndReachTheConsoleOnlyWhenPrinted() {
        nodes.open("class");
        capture.append(event("class setup"));
        nodes.open("test");
        capture.append(event("test 1"));
        capture.append(event("test 2"));
        CapturedLog test = nodes.close("test").orElseThrow();
        capture.append(event("class teardown"));
        capture.append(event("class teardown 2"));
        CapturedLog cls = nodes.close("class").orElseThrow();

        assertThat(console.printed).isEmpty();
        assertThat(test.size()).isEqualTo(2);
        test.print();
        assertThat(console.printed).containsExactly("test 1", "test 2");
        cls.print();
        assertThat(console.printed).containsExactly("test 1", "test 2", "class setup", "class teardown",
                "class teardown 2");
    }

    @Test
    void aClosedLogTakesNoMoreLinesAndANodeClosesOnce() {
        nodes.open("test");
        CapturedLog test = nodes.close("test").orElseThrow();
        capture.append(event("after"));

        assertThat(test.size()).isZero();
        assertThat(console.printed).containsExactly("after");
        assertThat(nodes.close("test")).isEmpty();
    }
}
