package dev.switchboard.usecase.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.auth.DevTokens;
import dev.switchboard.auth.OperatorPolicy;
import dev.switchboard.auth.TokenVerifier;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OperatorAccessTest {
    private static final String SECRET = "0123456789abcdef0123456789abcdef-test-secret";
    private final DevTokens tokens = new DevTokens(SECRET, "iss", "switchboard");
    private final OperatorAccess access =
            new OperatorAccess(TokenVerifier.hs256(SECRET, "iss", "switchboard"), OperatorPolicy.defaults());

    private OperatorAccess.Decision check(String authorization) {
        return access.check(authorization == null ? Map.of() : Map.of("Authorization", authorization));
    }

    @Test
    void anOperatorTokenPasses() {
        var d = check("Bearer " + tokens.issueOperator("ops-1", Duration.ofMinutes(5)));
        assertThat(d).isInstanceOf(OperatorAccess.Decision.Operator.class);
        assertThat(((OperatorAccess.Decision.Operator) d).user().userId()).isEqualTo("ops-1");
        assertThat(access.check(Map.of("authorization", "bearer " + tokens.issueOperator("ops-1",
                Duration.ofMinutes(5))))).as("scheme and header name ignore case")
                .isInstanceOf(OperatorAccess.Decision.Operator.class);
    }

    @Test
    void aUsersTokenIsForbidden() {
        assertThat(check("Bearer " + tokens.issue("user-1", Duration.ofMinutes(5))))
                .isInstanceOf(OperatorAccess.Decision.Forbidden.class);
        assertThat(check("Bearer " + tokens.issue("user-1", Duration.ofMinutes(5),
                Map.of("scope", "openid switchboard:operatorx profile"))))
                .as("the scope must contain the exact word").isInstanceOf(OperatorAccess.Decision.Forbidden.class);
        assertThat(check("Bearer " + tokens.issue("user-1", Duration.ofMinutes(5),
                Map.of("scope", "openid switchboard:operator"))))
                .isInstanceOf(OperatorAccess.Decision.Operator.class);
    }

    @Test
    void missingOrInvalidTokensAreTold() {
        assertThat(check(null)).isInstanceOf(OperatorAccess.Decision.NoToken.class);
        assertThat(check("Basic dXNlcjpwYXNz")).isInstanceOf(OperatorAccess.Decision.Unauthenticated.class);
        assertThat(check("Bearer not-a-jwt")).isInstanceOf(OperatorAccess.Decision.Unauthenticated.class);
        assertThat(check("Bearer " + new DevTokens("another-secret-of-at-least-32-bytes!!", "iss", "switchboard")
                .issueOperator("ops-1", Duration.ofMinutes(5)))).isInstanceOf(OperatorAccess.Decision.Unauthenticated.class);
        assertThat(check("Bearer " + tokens.issueOperator("ops-1", Duration.ofMinutes(-5))))
                .as("expired").isInstanceOf(OperatorAccess.Decision.Unauthenticated.class);
    }

    @Test
    void theClaimAndValueAreConfigurableAndListsWork() {
        var groups = new OperatorAccess(TokenVerifier.hs256(SECRET, "iss", "switchboard"),
                new OperatorPolicy("cognito:groups", "admins"));
        assertThat(groups.check(Map.of("authorization", "Bearer " + tokens.issue("u", Duration.ofMinutes(5),
                Map.of("cognito:groups", List.of("staff", "admins"))))))
                .isInstanceOf(OperatorAccess.Decision.Operator.class);
        assertThat(groups.check(Map.of("authorization", "Bearer " + tokens.issue("u", Duration.ofMinutes(5),
                Map.of("cognito:groups", List.of("staff"))))))
                .isInstanceOf(OperatorAccess.Decision.Forbidden.class);
        assertThat(groups.check(Map.of("authorization", "Bearer " + tokens.issueOperator("u", Duration.ofMinutes(5),
                new OperatorPolicy("cognito:groups", "admins"))))).isInstanceOf(OperatorAccess.Decision.Operator.class);
    }
}
