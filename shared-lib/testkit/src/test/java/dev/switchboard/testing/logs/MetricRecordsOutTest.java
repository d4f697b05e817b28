package dev.switchboard.testing.logs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MetricRecordsOutTest {
    private static final String RECORD = "{\"_aws\":{\"Timestamp\":1,\"CloudWatchMetrics\":[]},\"Turns\":1}";

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream console = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final RunningNodes nodes = new RunningNodes();
    private final MetricRecordsOut out = new MetricRecordsOut(console, nodes);

    private String printed() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void whatTestsPrintPassesThroughAndMetricRecordsAreHeldWithTheTestsLog() {
        nodes.open("test");
        out.println("redelivery: runs=1000, lost=0");
        out.println(RECORD);
        out.printf("%d ms%n", 12);
        CapturedLog log = nodes.close("test").orElseThrow();

        assertThat(printed()).isEqualTo("redelivery: runs=1000, lost=0\n12 ms\n");
        assertThat(log.size()).isEqualTo(1);
        log.print();
        assertThat(printed()).endsWith("12 ms\n" + RECORD + "\n");
    }

    @Test
    void withNoTestRunningMetricRecordsArePrinted() {
        out.println(RECORD);

        assertThat(printed()).isEqualTo(RECORD + "\n");
    }
}
