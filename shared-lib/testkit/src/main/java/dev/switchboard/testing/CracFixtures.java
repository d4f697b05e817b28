package dev.switchboard.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.switchboard.config.Env;
import dev.switchboard.testing.crac.Core;
import java.util.Map;

/**
 * Shared checks of the functions' SnapStart (CRaC) hooks: that a handler built by its composition root registers
 * with the global context, and that its hooks can run twice.
 */
public final class CracFixtures {
    /** Where the AWS clients of {@link #offlineEnv()} point: a local port nothing listens on. */
    private static final String NOWHERE = "http://127.0.0.1:1";

    private CracFixtures() {
    }

    /**
     * What every function's composition root requires, with AWS endpoints where nothing listens: building a handler
     * from it makes clients but no call (a call would fail, so a test sees it).
     */
    public static Env offlineEnv() {
        return new Env(Map.ofEntries(
                Map.entry(Env.CONNECTIONS_TABLE, "Connections"), Map.entry(Env.SESSIONS_TABLE, "Sessions"),
                Map.entry(Env.MESSAGES_TABLE, "Messages"), Map.entry(Env.USER_DATA_TABLE, "UserData"),
                Map.entry(Env.TURNS_QUEUE_URL, NOWHERE + "/000000000000/turns.fifo"),
                Map.entry(Env.DEAD_LETTER_QUEUE_URL, NOWHERE + "/000000000000/turns-dlq.fifo"),
                Map.entry(Env.CALLBACK_URL, NOWHERE + "/test"), Map.entry(Env.DYNAMODB_ENDPOINT, NOWHERE),
                Map.entry(Env.SQS_ENDPOINT, NOWHERE), Map.entry(Env.AWS_REGION, "us-east-1"),
                Map.entry(Env.AUTH_MODE, "hs256"), Map.entry(Env.JWT_ISSUER, "https://issuer.test"),
                Map.entry(Env.JWT_SECRET, "a-test-secret-of-at-least-32-bytes-long")));
    }

    /**
     * Asserts that {@code handler} registered itself with {@code org.crac}'s global context: Lambda calls the hooks of
     * what is registered there, and of nothing else. Needs the test CRaC implementation
     * ({@link dev.switchboard.testing.crac}), which the functions' surefire configuration selects.
     */
    public static void assertRegisteredWithTheGlobalContext(org.crac.Resource handler) {
        assertThat(System.getProperty("org.crac.Core.Compat"))
                .as("org.crac.Core.Compat selects the test CRaC implementation (functions/pom.xml sets it)")
                .isEqualTo(Core.class.getPackageName());
        // org.crac registers a proxy per resource whose equals is the resource's
        assertThat(Core.getGlobalContext().registered()).as("resources registered with the global context")
                .anyMatch(r -> r.equals(handler));
    }

    /**
     * The hooks run twice each (a snapshot retried, a second restore): checkpoint, checkpoint, restore, restore; none
     * may throw. The caller then checks that nothing was written, called or sent, and that the handler still works.
     */
    public static void assertHooksRepeatable(org.crac.Resource handler) {
        assertThatCode(() -> {
            handler.beforeCheckpoint(null);
            handler.beforeCheckpoint(null);
            handler.afterRestore(null);
            handler.afterRestore(null);
        }).doesNotThrowAnyException();
    }
}
