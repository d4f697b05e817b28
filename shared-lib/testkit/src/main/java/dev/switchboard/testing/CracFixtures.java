package dev.switchboard.testing;

import dev.switchboard.config.Setting;
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
                Map.entry(Setting.CONNECTIONS_TABLE.name(), "Connections"), Map.entry(Setting.SESSIONS_TABLE.name(), "Sessions"),
                Map.entry(Setting.MESSAGES_TABLE.name(), "Messages"), Map.entry(Setting.USER_DATA_TABLE.name(), "UserData"),
                Map.entry(Setting.TURNS_QUEUE_URL.name(), NOWHERE + "/000000000000/turns.fifo"),
                Map.entry(Setting.USER_DATA_QUEUE_URL.name(), NOWHERE + "/000000000000/user-data.fifo"),
                Map.entry(Setting.DEAD_LETTER_QUEUE_URL.name(), NOWHERE + "/000000000000/turns-dlq.fifo"),
                Map.entry(Setting.USER_DATA_DEAD_LETTER_QUEUE_URL.name(), NOWHERE + "/000000000000/user-data-dlq.fifo"),
                Map.entry(Setting.CALLBACK_URL.name(), NOWHERE + "/test"), Map.entry(Setting.DYNAMODB_ENDPOINT.name(), NOWHERE),
                Map.entry(Setting.SQS_ENDPOINT.name(), NOWHERE), Map.entry(Setting.AWS_REGION.name(), "us-east-1"),
                Map.entry(Setting.AUTH_MODE.name(), "hs256"), Map.entry(Setting.JWT_ISSUER.name(), "https://issuer.test"),
                Map.entry(Setting.JWT_SECRET.name(), "a-test-secret-of-at-least-32-bytes-long")));
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
                .anyMatch(r -> isResource(r, handler));
    }

    /**
     * Whether the proxy {@code registered} stands for {@code resource}. org.crac holds resources weakly: the proxy of
     * one already collected (a handler of an earlier test) throws a NullPointerException from equals, and is not it.
     */
    private static boolean isResource(Object registered, org.crac.Resource resource) {
        try {
            return registered.equals(resource);
        } catch (NullPointerException collected) {
            return false;
        }
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
