package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.Test;

/** Logs carry ids, never what users write, what the model answers, or tokens: captured from a real turn. */
class LogPrivacyIT {

    private static final class Capture extends AbstractAppender {
        final List<String> lines = new CopyOnWriteArrayList<>();

        Capture() {
            super("capture", null, PatternLayout.createDefaultLayout(), true, Property.EMPTY_ARRAY);
        }

        @Override
        public void append(LogEvent event) {
            if (event.getLevel().isMoreSpecificThan(Level.INFO)) {
                lines.add(event.getMessage().getFormattedMessage() + " " + event.getContextData());
            }
        }
    }

    @Test
    void aWholeTurnLogsIdsButNeitherTextNorTokens() {
        LocalStack stack = StackFixture.stack();
        Capture capture = new Capture();
        capture.start();
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        ctx.getConfiguration().getRootLogger().addAppender(capture, Level.INFO, null);
        ctx.updateLoggers();
        String secretText = "confidential-" + UUID.randomUUID();
        String user = "lena-" + UUID.randomUUID().toString().substring(0, 8);
        String token = stack.tokens().issue(user, Duration.ofHours(1));
        try (WsClient c = WsClient.connect(stack.webSocketUrl(), token)) {
            JsonNode acc = c.request("{\"action\":\"sendMessage\",\"clientMessageId\":\"l-1\",\"text\":\"" + secretText
                    + "\"}", "accepted");
            c.await(WsClient.doneOf(acc.path("turnId").asText()), Duration.ofSeconds(20));
            c.request("{\"action\":\"getHistory\",\"sessionId\":\"" + acc.path("sessionId").asText() + "\"}", "history");
            c.request("{\"action\":\"nonsense\",\"text\":\"" + secretText + "\"}", "error");
        } finally {
            ctx.getConfiguration().getRootLogger().removeAppender("capture");
            ctx.updateLoggers();
        }
        assertThat(capture.lines).as("log lines at INFO and above").isNotEmpty()
                .anyMatch(l -> l.contains("turn answered"))
                .anyMatch(l -> l.contains("sessionId"));
        // one correlation id follows the message from the message function's request to the worker's done
        String accepted = capture.lines.stream().filter(l -> l.contains("turn accepted")).findFirst().orElseThrow();
        String answered = capture.lines.stream().filter(l -> l.contains("turn answered")).findFirst().orElseThrow();
        java.util.regex.Pattern id = java.util.regex.Pattern.compile("correlationId=([^,}]+)");
        java.util.regex.Matcher a = id.matcher(accepted);
        java.util.regex.Matcher b = id.matcher(answered);
        assertThat(a.find()).as(accepted).isTrue();
        assertThat(b.find()).as(answered).isTrue();
        assertThat(b.group(1)).isEqualTo(a.group(1));
        assertThat(answered).doesNotContain("requestId=" + a.group(1)); // the worker's own request id is another
        assertThat(capture.lines).noneMatch(l -> l.contains(secretText))
                .noneMatch(l -> l.contains(token))
                .noneMatch(l -> l.contains(token.substring(token.lastIndexOf('.') + 1)))
                .noneMatch(l -> l.contains(user)); // the user id appears only hashed
    }
}
