package dev.switchboard.adapter.metrics;

import dev.switchboard.port.Metrics;

import dev.switchboard.log.LogContext;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.cloudwatchlogs.emf.environment.Environment;
import software.amazon.cloudwatchlogs.emf.environment.LambdaEnvironment;
import software.amazon.cloudwatchlogs.emf.logger.MetricsLogger;
import software.amazon.cloudwatchlogs.emf.model.DimensionSet;
import software.amazon.cloudwatchlogs.emf.model.Unit;

/**
 * {@link Metrics} in CloudWatch Embedded Metric Format (the AWS EMF library): each record is one JSON line on
 * standard output, which Lambda ships to CloudWatch Logs, where the metrics are extracted at no API cost. Dimension:
 * the function ({@code message}, {@code worker}); each record also carries the correlation id as a property.
 */
public final class EmfMetrics implements Metrics {
    public static final String DEFAULT_NAMESPACE = dev.switchboard.config.Setting.METRICS_NAMESPACE.defaultValue();
    private static final Logger LOG = LoggerFactory.getLogger(EmfMetrics.class);

    private final Environment environment;
    private final String namespace;
    private final String function;

    public EmfMetrics(Environment environment, String namespace, String function) {
        this.environment = environment;
        this.namespace = namespace;
        this.function = function;
    }

    /** Standard output, as in Lambda. */
    public static EmfMetrics stdout(String namespace, String function) {
        return new EmfMetrics(new LambdaEnvironment(), namespace, function);
    }

    @Override
    public void turn(TurnFigures f) {
        emit(m -> {
            m.putMetric("Turns", 1, Unit.COUNT);
            m.putMetric("QueueWait", f.queueWaitMs(), Unit.MILLISECONDS);
            if (f.firstDeltaMs() > 0) {
                m.putMetric("TimeToFirstDelta", f.firstDeltaMs(), Unit.MILLISECONDS);
            }
            m.putMetric("TurnDuration", f.totalMs(), Unit.MILLISECONDS);
            m.putMetric("InputTokens", f.inputTokens(), Unit.COUNT);
            m.putMetric("OutputTokens", f.outputTokens(), Unit.COUNT);
            m.putMetric("ToolCalls", f.toolCalls(), Unit.COUNT);
            m.putProperty("outcome", f.outcome());
            m.putProperty("model", f.model());
        });
    }

    @Override
    public void error(String code) {
        emit(m -> {
            m.putMetric("Errors", 1, Unit.COUNT);
            m.putProperty("errorCode", code);
        });
    }

    @Override
    public void coldStart(long initMillis) {
        emit(m -> {
            m.putMetric("ColdStarts", 1, Unit.COUNT);
            m.putMetric("InitDuration", initMillis, Unit.MILLISECONDS);
        });
    }

    private void emit(Consumer<MetricsLogger> fill) {
        try {
            MetricsLogger m = new MetricsLogger(environment);
            m.setNamespace(namespace);
            m.setDimensions(DimensionSet.of("Function", function));
            fill.accept(m);
            String correlation = LogContext.correlationId();
            if (correlation != null) {
                m.putProperty("correlationId", correlation);
            }
            m.flush();
        } catch (RuntimeException e) {
            LOG.warn("metrics not written: {}", e.getClass().getSimpleName());
        }
    }
}
