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
    protected String arn;

    protected abstract SecretSource source();

    /** Stores (or rotates) {@code value} as the current value of {@code secretId} where {@link #source()} reads. */
    protected abstract void put(String secretId, String value);

    /** Makes {@code secretId} unreadable to the source's caller. */
    protected abstract void deny(String secretId);

    @BeforeEach
    void setUpContract() {
        source = source();
        arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:switchboard/" + UUID.randomUUID();
    }

    @Test
    void readsTheCurrentValueAndARotatedOneOnTheNextRead() {
        put(arn, "first-value");
        assertThat(source.read(arn)).isEqualTo("first-value");
        put(arn, "rotated-value");
        assertThat(source.read(arn)).isEqualTo("rotated-value");
    }

    @Test
    void aMissingSecretFailsNamingItsId() {
        put(arn + "-other", "a-value-of-another-secret");
        assertThatThrownBy(() -> source.read(arn))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(arn)
                .hasMessageContaining("ResourceNotFoundException")
                .hasMessageNotContaining("a-value-of-another-secret");
    }

    @Test
    void aDeniedSecretFailsNamingItsIdWithoutItsValue() {
        put(arn, "the-denied-value");
        deny(arn);
        assertThatThrownBy(() -> source.read(arn))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(arn)
                .hasMessageContaining("AccessDeniedException")
                .hasMessageNotContaining("the-denied-value");
    }
}
