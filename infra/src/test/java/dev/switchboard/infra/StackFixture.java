package dev.switchboard.infra;

import java.util.Map;

/**
 * One local stack per test JVM (start-up takes seconds), shared by every integration test class. The offline model
 * streams a word every 15 ms so a turn lasts long enough for "busy session" and ordering checks; the visibility
 * timeout is short so redelivery shows within a test.
 */
final class StackFixture {
    private static LocalStack stack;

    private StackFixture() {}

    static synchronized LocalStack stack() {
        if (stack == null) {
            stack = LocalStack.start(LocalStack.Options.defaults()
                    .withVisibility(3)
                    .withEnv(Map.of("OFFLINE_DELAY_MILLIS", "15", "DELTA_FLUSH_MILLIS", "40")));
            Runtime.getRuntime().addShutdownHook(new Thread(stack::close));
        }
        return stack;
    }
}
