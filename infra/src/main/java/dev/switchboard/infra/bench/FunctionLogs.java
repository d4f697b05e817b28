package dev.switchboard.infra.bench;

import java.io.OutputStream;
import java.io.PrintStream;
import picocli.CommandLine.Option;

/**
 * The benchmark commands' {@code --function-logs}: without it, what the functions write to standard output (their
 * JSON log lines and their EMF metric records, one JSON line each, as in Lambda) is dropped, so the report stays
 * readable; with it, it is printed with the report. The functions' log level is theirs (LOG_LEVEL).
 */
final class FunctionLogs {
    @Option(names = "--function-logs", description = "print the functions' log lines and EMF records too")
    boolean shown;

    /**
     * The stream to print the report to (standard output as it is now); unless the functions' output is to be shown,
     * standard output is replaced by a sink from now on, before the local stack builds its loggers and functions.
     */
    PrintStream report() {
        PrintStream report = System.out;
        if (!shown) {
            System.setOut(new PrintStream(OutputStream.nullOutputStream(), true));
        }
        return report;
    }
}
