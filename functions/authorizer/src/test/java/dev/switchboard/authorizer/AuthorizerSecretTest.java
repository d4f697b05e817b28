package dev.switchboard.authorizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.events.APIGatewayCustomAuthorizerEvent;
import com.amazonaws.services.lambda.runtime.events.IamPolicyResponse;
import dev.switchboard.auth.DevTokens;
import dev.switchboard.config.Env;
import dev.switchboard.config.Setting;
import dev.switchboard.testing.LocalSecretsManager;
import dev.switchboard.testing.LogLines;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The authorizer's HS256 secret from Secrets Manager (JWT_SECRET_ARN), through the real SDK client and the local
 * double of the Secrets Manager HTTP API: read at init, read again after a SnapStart restore, and init fails naming
 * the ARN when the secret is missing or denied. No value reaches a log line.
 */
class AuthorizerSecretTest {
    private static final String ISSUER = "https://issuer.switchboard.test";
    private static final String FIRST = "first-hs256-secret-" + UUID.randomUUID();
    private static final String ROTATED = "rotated-hs256-secret-" + UUID.randomUUID();

    private final LocalSecretsManager secretsManager = new LocalSecretsManager();
    private final String arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:switchboard/jwt-" + UUID.randomUUID();

    @AfterEach
    void stop() {
        secretsManager.close();
    }

    private Env env() {
        return secretsManager.envReading(new Env(Map.of(Setting.AWS_REGION.name(), "us-east-1",
                Setting.AUTH_MODE.name(), "hs256", Setting.JWT_ISSUER.name(), ISSUER)),
                Setting.JWT_SECRET, Setting.JWT_SECRET_ARN, arn);
    }

    private static String effect(AuthorizerHandler handler, String secret) {
        var e = new APIGatewayCustomAuthorizerEvent();
        e.setMethodArn("arn:aws:execute-api:us-east-1:123456789012:api42/prod/$connect");
        e.setQueryStringParameters(Map.of("token",
                new DevTokens(secret, ISSUER, "switchboard").issue("user-1", Duration.ofMinutes(5))));
        IamPolicyResponse r = handler.handleRequest(e, null);
        return r.getPrincipalId().equals("user-1") ? IamPolicyResponse.ALLOW : IamPolicyResponse.DENY;
    }

    @Test
    void theSecretIsReadAtInitAndAgainAfterARestore() {
        secretsManager.put(arn, FIRST);
        try (LogLines logs = LogLines.capture()) {
            AuthorizerHandler handler = new AuthorizerHandler(env());
            assertThat(secretsManager.reads(arn)).as("read at init").isEqualTo(1);
            assertThat(effect(handler, FIRST)).isEqualTo(IamPolicyResponse.ALLOW);
            assertThat(secretsManager.reads(arn)).as("a fresh value is not read per request").isEqualTo(1);

            handler.beforeCheckpoint(null);
            secretsManager.put(arn, ROTATED);
            handler.afterRestore(null);
            assertThat(secretsManager.reads(arn)).as("read again after the restore").isEqualTo(2);
            assertThat(effect(handler, ROTATED)).isEqualTo(IamPolicyResponse.ALLOW);
            assertThat(effect(handler, FIRST)).as("the old secret's tokens").isEqualTo(IamPolicyResponse.DENY);

            assertThat(logs.lines()).anyMatch(l -> l.contains(arn))
                    .noneMatch(l -> l.contains(FIRST) || l.contains(ROTATED));
        }
    }

    @Test
    void aMissingSecretFailsAtInitNamingTheArn() {
        assertThatThrownBy(() -> new AuthorizerHandler(env()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(arn).hasMessageContaining("ResourceNotFoundException");
    }

    @Test
    void aDeniedSecretFailsAtInitNamingTheArnWithoutItsValue() {
        secretsManager.put(arn, FIRST);
        secretsManager.deny(arn);
        try (LogLines logs = LogLines.capture()) {
            assertThatThrownBy(() -> new AuthorizerHandler(env()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(arn).hasMessageContaining("AccessDeniedException")
                    .hasMessageNotContaining(FIRST);
            assertThat(logs.lines()).noneMatch(l -> l.contains(FIRST));
        }
    }

    @Test
    void theArnAndThePlainVariableTogetherFailAtInit() {
        secretsManager.put(arn, FIRST);
        Map<String, String> both = new java.util.HashMap<>(env().asMap());
        both.put(Setting.JWT_SECRET.name(), FIRST);
        assertThatThrownBy(() -> new AuthorizerHandler(new Env(both)))
                .hasMessageContaining("JWT_SECRET_ARN").hasMessageNotContaining(FIRST);
        assertThat(secretsManager.reads(arn)).isZero();
    }
}
