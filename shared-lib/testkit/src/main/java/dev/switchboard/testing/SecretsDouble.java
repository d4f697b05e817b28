package dev.switchboard.testing;

/** What a test does to the secrets behind a {@link dev.switchboard.port.SecretSource}: the fake's, or the double's. */
public interface SecretsDouble {
    /** Stores {@code value} as the current value of {@code secretId} (a new secret, or a rotation). */
    void put(String secretId, String value);

    /** From now on every read of {@code secretId} is refused (AccessDeniedException). */
    void deny(String secretId);

    /** How many reads named {@code secretId}. */
    int reads(String secretId);
}
