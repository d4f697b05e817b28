package dev.switchboard.testing.logs;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.ConsoleAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.junit.jupiter.api.Test;

class ConsoleSwapTest {

    private static LoggerConfig root() {
        return ((LoggerContext) LogManager.getContext(false)).getConfiguration().getRootLogger();
    }

    @Test
    void whileTestsRunTheRootLoggerPrintsToNoConsole() {
        // QuietLogs (registered in META-INF/services) has swapped the console of log4j2.xml for a capture
        assertThat(root().getAppenders().values()).isNotEmpty()
                .noneMatch(a -> a instanceof ConsoleAppender)
                .anyMatch(a -> a instanceof CapturingAppender c && c.console().getName().equals("json"));
    }

    @Test
    void aSecondSwapFindsNoConsoleLeft() {
        assertThat(ConsoleSwap.install(new RunningNodes())).as("nothing left to swap").isEmpty();
    }
}
