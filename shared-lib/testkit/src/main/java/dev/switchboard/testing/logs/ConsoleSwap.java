package dev.switchboard.testing.logs;

import java.util.List;
import java.util.Optional;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.ConsoleAppender;
import org.apache.logging.log4j.core.config.AppenderRef;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;

/**
 * Puts a {@link CapturingAppender} in the place of each console appender of the root logger (same level and filter
 * on the reference), and puts the consoles back. Other appenders, such as those a test adds itself, are left alone.
 */
final class ConsoleSwap {
    private record Swapped(CapturingAppender capture, AppenderRef ref) {}

    private final LoggerContext context;
    private final Configuration configuration;
    private final List<Swapped> swapped;

    private ConsoleSwap(LoggerContext context, Configuration configuration, List<Swapped> swapped) {
        this.context = context;
        this.configuration = configuration;
        this.swapped = swapped;
    }

    /** Empty when log4j-core is not the logging backend or the root logger prints to no console. */
    static Optional<ConsoleSwap> install(RunningNodes nodes) {
        if (!(LogManager.getContext(false) instanceof LoggerContext context)) {
            return Optional.empty();
        }
        Configuration configuration = context.getConfiguration();
        LoggerConfig root = configuration.getRootLogger();
        List<Swapped> swapped = root.getAppenderRefs().stream()
                .filter(ref -> root.getAppenders().get(ref.getRef()) instanceof ConsoleAppender)
                .map(ref -> new Swapped(new CapturingAppender(root.getAppenders().get(ref.getRef()), nodes), ref))
                .toList();
        if (swapped.isEmpty()) {
            return Optional.empty();
        }
        for (Swapped s : swapped) {
            s.capture().start();
            root.removeAppender(s.ref().getRef());
            root.addAppender(s.capture(), s.ref().getLevel(), s.ref().getFilter());
        }
        context.updateLoggers();
        return Optional.of(new ConsoleSwap(context, configuration, swapped));
    }

    /** The consoles print directly again (into the configuration they were taken from, if it is still in use). */
    void restore() {
        LoggerConfig root = configuration.getRootLogger();
        for (Swapped s : swapped) {
            root.removeAppender(s.capture().getName());
            Appender console = s.capture().console();
            root.addAppender(console, s.ref().getLevel(), s.ref().getFilter());
            s.capture().stop();
        }
        if (context.getConfiguration() == configuration) {
            context.updateLoggers();
        }
    }
}
