package dev.switchboard.adapter.secretsmanager;

import dev.switchboard.adapter.aws.AwsClients;
import dev.switchboard.config.Env;
import dev.switchboard.config.Secrets;
import dev.switchboard.port.Clock;
import dev.switchboard.port.SecretSource;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.SecretsManagerException;

/**
 * {@link SecretSource} over AWS Secrets Manager: {@code GetSecretValue} of the secret's ARN, its current version
 * ({@code AWSCURRENT}), as text. A failure names the ARN and the service's error code (ResourceNotFoundException,
 * AccessDeniedException, …) and never carries the value.
 */
public final class SecretsManagerSecretSource implements SecretSource {
    private final SecretsManagerClient client;

    public SecretsManagerSecretSource(SecretsManagerClient client) {
        this.client = client;
    }

    /**
     * A function's secrets (JWT_SECRET_ARN / OPENAI_API_KEY_SECRET_ARN, else the plain variables): the Secrets Manager
     * client is built only when the first ARN is set.
     */
    public static Secrets secretsOf(Env env) {
        return new Secrets(env, () -> new SecretsManagerSecretSource(AwsClients.secretsManager(env)), Clock.SYSTEM);
    }

    @Override
    public String read(String secretId) {
        GetSecretValueResponse response;
        try {
            response = client.getSecretValue(r -> r.secretId(secretId));
        } catch (SecretsManagerException e) {
            String code = e.awsErrorDetails() == null ? "status " + e.statusCode() : e.awsErrorDetails().errorCode();
            throw new IllegalStateException("cannot read secret " + secretId + " from Secrets Manager: " + code, e);
        } catch (SdkException e) {
            throw new IllegalStateException("cannot read secret " + secretId + " from Secrets Manager: "
                    + e.getClass().getSimpleName(), e);
        }
        if (response.secretString() == null) {
            throw new IllegalStateException("secret " + secretId + " has no text value (SecretString)");
        }
        return response.secretString();
    }
}
