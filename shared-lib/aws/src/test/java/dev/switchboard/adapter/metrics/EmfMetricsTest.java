package dev.switchboard.adapter.metrics;

import dev.switchboard.port.Metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.log.LogContext;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import software.amazon.cloudwatchlogs.emf.environment.Environment;
import software.amazon.cloudwatchlogs.emf.model.MetricsContext;
import software.amazon.cloudwatchlogs.emf.sinks.ISink;

class EmfMetricsTest {
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final ObjectMapper json = new ObjectMapper();

    private final Environment capture = new Environment() {
        public boolean probe() { return true; }

        public String getName() { return "test"; }

        public String getType() { return "test"; }

        public String getLogGroupName() { return "test"; }

        public void configureContext(MetricsContext context) { }

        public ISink getSink() {
            return new ISink() {
                public void accept(MetricsContext context) {
                    try {
                        lines.addAll(context.serialize());
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }

                public CompletableFuture<Void> shutdown() {
                    return CompletableFuture.completedFuture(null);
                }
            };
        }
    };

    private JsonNode only() throws Exception {
        assertThat(lines).hasSize(1);
        return json.readTree(lines.get(0));
    }

    @Test
    void aTurnIsOneEmfRecordWithTheFunctionDimensionAndTheCorrelationId() throws Exception {
        try (var log = LogContext.open("req-1", null, null)) {
            new EmfMetrics(capture, "Switchboard", "worker").turn(
                    new Metrics.TurnFigures("answered", "m", 12, 80, 900, 30, 40, 2));
        }
        JsonNode r = only();
        JsonNode meta = r.path("_aws").path("CloudWatchMetrics").get(0);
        assertThat(meta.path("Namespace").asText()).isEqualTo("Switchboard");
        assertThat(meta.path("Dimensions").get(0).get(0).asText()).isEqualTo("Function");
        assertThat(meta.path("Metrics").findValuesAsText("Name")).contains("Turns", "QueueWait", "TimeToFirstDelta",
                "TurnDuration", "InputTokens", "OutputTokens", "ToolCalls");
        assertThat(r.path("Function").asText()).isEqualTo("worker");
        assertThat(r.path("QueueWait").asDouble()).isEqualTo(12);
        assertThat(r.path("TurnDuration").asDouble()).isEqualTo(900);
        assertThat(r.path("OutputTokens").asDouble()).isEqualTo(40);
        assertThat(r.path("correlationId").asText()).isEqualTo("req-1");
        assertThat(r.path("outcome").asText()).isEqualTo("answered");
    }

    @Test
    void errorsCarryTheirCodeAndColdStartsTheInitTime() throws Exception {
        EmfMetrics m = new EmfMetrics(capture, "NS", "message");
        m.error("SESSION_BUSY");
        m.coldStart(321);
        assertThat(lines).hasSize(2);
        JsonNode error = json.readTree(lines.get(0));
        assertThat(error.path("Errors").asDouble()).isEqualTo(1);
        assertThat(error.path("errorCode").asText()).isEqualTo("SESSION_BUSY");
        JsonNode cold = json.readTree(lines.get(1));
        assertThat(cold.path("ColdStarts").asDouble()).isEqualTo(1);
        assertThat(cold.path("InitDuration").asDouble()).isEqualTo(321);
        assertThat(cold.path("_aws").path("CloudWatchMetrics").get(0).path("Namespace").asText()).isEqualTo("NS");
    }

    @Test
    void aFailingSinkNeverFailsTheCaller() {
        Environment broken = new Environment() {
            public boolean probe() { return true; }

            public String getName() { return "broken"; }

            public String getType() { return "broken"; }

            public String getLogGroupName() { return "broken"; }

            public void configureContext(MetricsContext context) { }

            public ISink getSink() {
                throw new IllegalStateException("no sink");
            }
        };
        new EmfMetrics(broken, "NS", "worker").error("INTERNAL");
        assertThat(lines).isEmpty();
    }
}
