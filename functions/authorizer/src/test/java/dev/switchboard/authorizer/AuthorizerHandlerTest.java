package dev.switchboard.authorizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayCustomAuthorizerEvent;
import com.amazonaws.services.lambda.runtime.events.IamPolicyResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.switchboard.auth.DevTokens;
import dev.switchboard.auth.TokenVerifier;
import dev.switchboard.testing.CracFixtures;
import dev.switchboard.testing.EventFixtures;
import dev.switchboard.usecase.AuthorizeConnection;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthorizerHandlerTest {
    private static final String SECRET = "test-secret-that-is-at-least-32-bytes-long!";
    private static final String ISSUER = "https://issuer.switchboard.test";
    private static final String AUDIENCE = "switchboard";
    private static final String METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:api42/prod/$connect";

    private final DevTokens tokens = new DevTokens(SECRET, ISSUER, AUDIENCE);
    private final AuthorizerHandler handler =
            new AuthorizerHandler(new AuthorizeConnection(TokenVerifier.hs256(SECRET, ISSUER, AUDIENCE)));

    @TempDir
    Path tmp;

    // ------------------------------------------------------------------ helpers

    private static APIGatewayCustomAuthorizerEvent event(Map<String, String> headers, Map<String, String> query) {
        var e = new APIGatewayCustomAuthorizerEvent();
        e.setType("REQUEST");
        e.setMethodArn(METHOD_ARN);
        e.setHeaders(headers);
        e.setQueryStringParameters(query);
        return e;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> statements(IamPolicyResponse r) {
        Object s = r.getPolicyDocument().get("Statement");
        if (s instanceof Object[] array) {
            return Arrays.stream(array).map(o -> (Map<String, Object>) o).toList();
        }
        return (List<Map<String, Object>>) s;
    }

    private static List<String> resources(Map<String, Object> statement) {
        Object r = statement.get("Resource");
        if (r instanceof Object[] array) {
            return Arrays.stream(array).map(String::valueOf).toList();
        }
        if (r instanceof List<?> list) {
            return list.stream().map(String::valueOf).toList();
        }
        return List.of(String.valueOf(r));
    }

    private static void assertAllowed(IamPolicyResponse r, String user, String methodArn) {
        assertThat(r.getPrincipalId()).isEqualTo(user);
        List<Map<String, Object>> st = statements(r);
        assertThat(st).hasSize(1);
        assertThat(st.get(0).get("Effect")).isEqualTo("Allow");
        assertThat(st.get(0).get("Action")).isEqualTo("execute-api:Invoke");
        assertThat(resources(st.get(0))).containsExactly(methodArn);
        assertThat(r.getContext()).containsEntry("userId", user);
    }

    private static void assertDenied(IamPolicyResponse r, String methodArn) {
        List<Map<String, Object>> st = statements(r);
        assertThat(st).hasSize(1);
        assertThat(st.get(0).get("Effect")).isEqualTo("Deny");
        assertThat(resources(st.get(0))).containsExactly(methodArn);
        assertThat(r.getContext()).isNullOrEmpty();
        assertThat(r.getPrincipalId()).isNotEqualTo("user-alice");
    }

    private String expiredToken(String user) {
        Instant past = Instant.now().minus(Duration.ofHours(2));
        return tokens.sign(new JWTClaimsSet.Builder()
                .subject(user).issuer(ISSUER).audience(AUDIENCE)
                .issueTime(Date.from(past.minus(Duration.ofHours(1))))
                .expirationTime(Date.from(past))
                .build());
    }

    // ------------------------------------------------------------------ decisions

    @Test
    void validTokenInQueryIsAllowedWithUserInContext() {
        String jwt = tokens.issue("user-alice", Duration.ofMinutes(5));

        IamPolicyResponse r = handler.handleRequest(event(Map.of(), Map.of("token", jwt)), null);

        assertAllowed(r, "user-alice", METHOD_ARN);
    }

    @Test
    void validTokenInSubprotocolHeaderIsAllowed() {
        String jwt = tokens.issue("user-bob", Duration.ofMinutes(5));

        IamPolicyResponse r = handler.handleRequest(
                event(Map.of("Sec-WebSocket-Protocol", "switchboard.v1, " + jwt), null), null);

        assertAllowed(r, "user-bob", METHOD_ARN);
    }

    @Test
    void subprotocolHeaderNameIsCaseInsensitive() {
        String jwt = tokens.issue("user-bob", Duration.ofMinutes(5));

        IamPolicyResponse r = handler.handleRequest(
                event(Map.of("sec-websocket-protocol", "switchboard.v1," + jwt), Map.of()), null);

        assertAllowed(r, "user-bob", METHOD_ARN);
    }

    @Test
    void missingTokenIsDenied() {
        assertDenied(handler.handleRequest(event(Map.of(), Map.of()), null), METHOD_ARN);
        assertDenied(handler.handleRequest(event(null, null), null), METHOD_ARN);
        assertDenied(handler.handleRequest(event(Map.of("Sec-WebSocket-Protocol", "switchboard.v1"), null), null),
                METHOD_ARN);
    }

    @Test
    void garbageTokenIsDenied() {
        assertDenied(handler.handleRequest(event(Map.of(), Map.of("token", "not-a-jwt")), null), METHOD_ARN);
        assertDenied(handler.handleRequest(event(Map.of(), Map.of("token", "e30.e30.garbage")), null), METHOD_ARN);
        assertDenied(handler.handleRequest(
                event(Map.of("Sec-WebSocket-Protocol", "switchboard.v1, aaa.bbb.ccc"), null), null), METHOD_ARN);
    }

    @Test
    void expiredTokenIsDenied() {
        IamPolicyResponse r = handler.handleRequest(event(Map.of(), Map.of("token", expiredToken("user-alice"))), null);

        assertDenied(r, METHOD_ARN);
    }

    @Test
    void tokenSignedWithAnotherSecretOrForAnotherAudienceIsDenied() {
        String forged = new DevTokens("another-secret-that-is-also-32-bytes-long!", ISSUER, AUDIENCE)
                .issue("user-alice", Duration.ofMinutes(5));
        String otherAudience = new DevTokens(SECRET, ISSUER, "someone-else").issue("user-alice", Duration.ofMinutes(5));
        String otherIssuer = new DevTokens(SECRET, "https://evil.test", AUDIENCE).issue("user-alice", Duration.ofMinutes(5));

        assertDenied(handler.handleRequest(event(Map.of(), Map.of("token", forged)), null), METHOD_ARN);
        assertDenied(handler.handleRequest(event(Map.of(), Map.of("token", otherAudience)), null), METHOD_ARN);
        assertDenied(handler.handleRequest(event(Map.of(), Map.of("token", otherIssuer)), null), METHOD_ARN);
    }

    // ------------------------------------------------------------------ CRaC hooks and contract

    @Test
    void theLambdaEntryPointRegistersTheHandlerWithTheGlobalCracContext() {
        AuthorizerHandler built = new AuthorizerHandler(CracFixtures.offlineEnv());

        CracFixtures.assertRegisteredWithTheGlobalContext(built);
    }

    @Test
    void cracHooksRunTwiceWithoutErrorAndLeaveTheHandlerWorking() {
        CracFixtures.assertHooksRepeatable(handler);

        // nothing is held from the priming token: a valid token is allowed, a forged one still refused
        String jwt = tokens.issue("user-alice", Duration.ofMinutes(5));
        assertAllowed(handler.handleRequest(event(Map.of(), Map.of("token", jwt)), null), "user-alice", METHOD_ARN);
        String forged = new DevTokens("another-secret-that-is-also-32-bytes-long!", ISSUER, AUDIENCE)
                .issue("user-alice", Duration.ofMinutes(5));
        assertDenied(handler.handleRequest(event(Map.of(), Map.of("token", forged)), null), METHOD_ARN);
    }

    @Test
    void declaresRequiredEnvAsPublicStaticListOfStrings() {
        EventFixtures.assertRequiredEnv(AuthorizerHandler.class, "JWT_ISSUER");
    }

    // ------------------------------------------------------------------ events/

    @Test
    void sampleEventAuthorizerConnectIsAllowed() {
        String jwt = tokens.issue("user-alice", Duration.ofMinutes(5));
        APIGatewayCustomAuthorizerEvent e = EventLoader.loadAPIGatewayCustomAuthorizerEvent(
                EventFixtures.prepare("authorizer-connect.json", tmp, Map.of("${TOKEN}", jwt)));

        IamPolicyResponse r = handler.handleRequest(e, null);

        assertAllowed(r, "user-alice", "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/$connect");
    }

    @Test
    void sampleEventAuthorizerConnectWithExpiredTokenIsDenied() {
        APIGatewayCustomAuthorizerEvent e = EventLoader.loadAPIGatewayCustomAuthorizerEvent(
                EventFixtures.prepare("authorizer-connect.json", tmp, Map.of("${TOKEN}", expiredToken("user-alice"))));

        assertDenied(handler.handleRequest(e, null), "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/$connect");
    }

    /** Priming that throws at publish time (here: nothing answers, or a step has nothing to work on) is logged; the hook goes on. */
    @Test
    void aPrimingStepThatThrowsDoesNotFailTheCheckpointHook() {
        AuthorizerHandler primed = new AuthorizerHandler((dev.switchboard.usecase.AuthorizeConnection) null);
        org.assertj.core.api.Assertions.assertThat(primed.prime()).as("priming steps that failed").isPositive();
        org.assertj.core.api.Assertions.assertThatCode(() -> primed.beforeCheckpoint(null)).doesNotThrowAnyException();
    }
}
