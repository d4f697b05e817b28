package dev.switchboard.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.port.SecretSource;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@link SecretSource} port's contract, for every implementation. */
public abstract class SecretSourceContract {
    protected SecretSource source;
    protected SecretsDouble secrets;
    protected String arn;

    protected abstract SecretSource source();

    /** The secrets where {@link #source()} reads. */
    protected abstract SecretsDouble secrets();

    @BeforeEach
    void setUpContract() {
        source = source();
        secrets = secrets();
        arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:switchboard/" + UUID.randomUUID();
    }

    @Test
    void readsTheCurrentValueAndARotatedOneOnTheNextRead() {
        secrets.put(arn, "first-value");
        assertThat(source.read(arn)).isEqualTo("first-value");
        secrets.put(arn, "rotated-value");
        assertThat(source.read(arn)).isEqualTo("rotated-value");
        assertThat(secrets.reads(arn)).as("one read each").isEqualTo(2);
    }

    @Test
    void aMissingSecretFailsNamingItsId() {
        secrets.put(arn + "-other", "a-value-of-another-secret");
        assertThatThrownBy(() -> source.read(arn))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(arn)
                .hasMessageContaining("ResourceNotFoundException")
                .hasMessageNotContaining("a-value-of-another-secret");
    }

    @Test
    void aDeniedSecretFailsNamingItsIdWithoutItsValue() {
        secrets.put(arn, "the-denied-value");
        secrets.deny(arn);
        assertThatThrownBy(() -> source.read(arn))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(arn)
                .hasMessageContaining("AccessDeniedException")
                .hasMessageNotContaining("the-denied-value");
    }
}
