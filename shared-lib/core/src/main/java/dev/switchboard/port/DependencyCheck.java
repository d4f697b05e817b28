package dev.switchboard.port;

/**
 * One dependency the operator's health check probes (a table, a queue, a model endpoint). {@link #probe} returns a
 * short detail when the dependency answers and throws when it does not; the caller times it and bounds the wait.
 */
public interface DependencyCheck {
    /** e.g. {@code SessionsTable}, {@code turns-queue}, {@code model:openai}. */
    String name();

    /** {@code table}, {@code queue} or {@code model}. */
    String kind();

    /** @return a short detail (status, reachable URL); never a secret */
    String probe() throws Exception;

    @FunctionalInterface
    interface Probe {
        String probe() throws Exception;
    }

    static DependencyCheck of(String name, String kind, Probe probe) {
        return new DependencyCheck() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String kind() {
                return kind;
            }

            @Override
            public String probe() throws Exception {
                return probe.probe();
            }
        };
    }
}
