package dev.switchboard.testing.logs;

import java.io.PrintStream;

/**
 * {@code System.out} while tests run: the CloudWatch embedded-metric records the metrics adapter prints (whole lines
 * {@code {"_aws":...}}, one {@code println} each) are held with the log lines of the running test; everything else,
 * such as the figures tests print, passes straight through.
 */
final class MetricRecordsOut extends PrintStream {
    private static final String RECORD = "{\"_aws\":";

    private final PrintStream out;
    private final RunningNodes nodes;

    MetricRecordsOut(PrintStream out, RunningNodes nodes) {
        super(out, true, out.charset());
        this.out = out;
        this.nodes = nodes;
    }

    PrintStream original() {
        return out;
    }

    @Override
    public void println(String line) {
        if (line == null || !line.startsWith(RECORD) || !nodes.keep(new CapturedLine.Printed(line, out))) {
            out.println(line);
        }
    }
}
