/**
 * Quiet test runs: while tests run, the log lines that would go to the console (and the CloudWatch metric records
 * printed to {@code System.out}) are held per test and printed, in full and where they would have gone (through the
 * console appender itself: same layout, stack traces included), only for a test or test class that fails. Registered
 * for every JUnit Platform engine (Jupiter, jqwik) by
 * {@code META-INF/services/org.junit.platform.launcher.TestExecutionListener}; production logging is not touched.
 */
package dev.switchboard.testing.logs;
