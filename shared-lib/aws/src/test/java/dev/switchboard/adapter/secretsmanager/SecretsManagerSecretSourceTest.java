package dev.switchboard.adapter.secretsmanager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.adapter.aws.AwsClients;
import dev.switchboard.config.Env;
import dev.switchboard.config.Secret;
import dev.switchboard.config.Setting;
import dev.switchboard.port.SecretSource;
import dev.switchboard.testing.LocalSecretsManager;
import dev.switchboard.testing.LogLines;
import dev.switchboard.testing.SecretSourceContract;
import dev.switchboard.testing.SecretsDouble;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/** The real Secrets Manager client of the SDK against the local double of its HTTP API (JSON 1.1). */
class SecretsManagerSecretSourceTest extends SecretSourceContract {
    private static final LocalSecretsManager DOUBLE = new LocalSecretsManager();
    private static final SecretsManagerClient CLIENT = AwsClients.secretsManager(new Env(Map.of(
            Setting.SECRETS_MANAGER_ENDPOINT.name(), DOUBLE.endpoint(), Setting.AWS_REGION.name(), "eu-west-1")));

    @AfterAll
    static void stop() {
        CLIENT.close();
        DOUBLE.close();
    }

    @Override
    protected SecretSource source() {
        return new SecretsManagerSecretSource(CLIENT);
    }

    @Override
    protected SecretsDouble secrets() {
        return DOUBLE;
    }

    @Test
    void noValueReachesALogLineEvenAtTrace() {
        String value = "a-value-that-must-stay-out-of-logs-42";
        DOUBLE.put(arn, value);
        try (LogLines logs = LogLines.capture()) {
            assertThat(source.read(arn)).isEqualTo(value);
            DOUBLE.deny(arn);
            assertThatThrownBy(() -> source.read(arn)).hasMessageContaining(arn);
            assertThat(logs.lines()).noneMatch(l -> l.contains(value));
        }
    }

    @Test
    void aSecretOverThisClientIsReadAgainOnceOlderThanItsMaximumAgeAndOnRefresh() {
        DOUBLE.put(arn, "value-at-init");
        AtomicLong now = new AtomicLong();
        Secret secret = Secret.managed(arn, source, 120, now::get);
        assertThat(DOUBLE.reads(arn)).as("read at init").isEqualTo(1);
        DOUBLE.put(arn, "value-after-rotation");
        now.set(119_999);
        assertThat(secret.value()).isEqualTo("value-at-init");
        now.set(120_000);
        assertThat(secret.value()).isEqualTo("value-after-rotation");
        assertThat(DOUBLE.reads(arn)).as("read again over HTTP at 120 s").isEqualTo(2);
        secret.refresh();
        assertThat(DOUBLE.reads(arn)).as("and on refresh (after a restore)").isEqualTo(3);
    }
}
