package dev.switchboard.port;

/**
 * Where a named secret's current value is kept (AWS Secrets Manager on AWS). A read that cannot give the value (the
 * secret is missing, the caller may not read it, the store is unreachable) throws an {@link IllegalStateException}
 * whose message names the secret and never holds a value.
 */
@FunctionalInterface
public interface SecretSource {
    /** The current value of the secret {@code secretId} (for Secrets Manager: its ARN). */
    String read(String secretId);
}
