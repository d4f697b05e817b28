package dev.switchboard.usecase;

import dev.switchboard.protocol.Headers;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.auth.DevTokens;
import dev.switchboard.auth.TokenVerifier;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AuthorizeConnectionTest {
    static final String SECRET = "0123456789abcdef0123456789abcdef-test-secret";
    static final String ISSUER = "https://issuer.test";
    static final String AUDIENCE = "switchboard";

    private final AuthorizeConnection authorize =
            new AuthorizeConnection(TokenVerifier.hs256(SECRET, ISSUER, AUDIENCE));
    private final String token = new DevTokens(SECRET, ISSUER, AUDIENCE).issue("user-1", Duration.ofMinutes(5));

    private static void assertAllowed(AuthorizeConnection.Decision d, String userId) {
        assertThat(d).isInstanceOfSatisfying(AuthorizeConnection.Decision.Allow.class,
                a -> assertThat(a.user().userId()).isEqualTo(userId));
    }

    @Test
    void tokenFromTheQuery() {
        assertAllowed(authorize.authorize(Map.of(), Map.of("token", token)), "user-1");
        assertAllowed(authorize.authorize(null, Map.of("token", "  " + token + " ")), "user-1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Sec-WebSocket-Protocol", "sec-websocket-protocol", "SEC-WEBSOCKET-PROTOCOL"})
    void tokenFromTheSubprotocolHeaderInAnyCase(String headerName) {
        Map<String, String> headers = Map.of(headerName, "switchboard.v1, " + token);
        assertAllowed(authorize.authorize(headers, Map.of()), "user-1");
        assertAllowed(authorize.authorize(headers, null), "user-1");
    }

    @Test
    void tokenFirstInTheSubprotocolHeader() {
        assertAllowed(authorize.authorize(Map.of("Sec-WebSocket-Protocol", token + ",switchboard.v1"), Map.of()),
                "user-1");
    }

    @Test
    void theQueryWinsOverTheHeader() {
        String other = new DevTokens(SECRET, ISSUER, AUDIENCE).issue("user-2", Duration.ofMinutes(5));
        assertAllowed(authorize.authorize(Map.of("Sec-WebSocket-Protocol", "switchboard.v1, " + other),
                Map.of("token", token)), "user-1");
    }

    @Test
    void neitherIsDenied() {
        assertThat(authorize.authorize(Map.of(), Map.of())).isInstanceOf(AuthorizeConnection.Decision.Deny.class);
        assertThat(authorize.authorize(null, null)).isInstanceOf(AuthorizeConnection.Decision.Deny.class);
        Map<String, String> withNullKey = new HashMap<>();
        withNullKey.put(null, "x");
        assertThat(authorize.authorize(withNullKey, Map.of("other", token)))
                .isInstanceOf(AuthorizeConnection.Decision.Deny.class);
        assertThat(authorize.authorize(Map.of("Sec-WebSocket-Protocol", "switchboard.v1"), Map.of("token", " ")))
                .isInstanceOf(AuthorizeConnection.Decision.Deny.class);
        assertThat(authorize.authorize(Map.of("Authorization", "Bearer " + token), Map.of()))
                .isInstanceOf(AuthorizeConnection.Decision.Deny.class);
    }

    @Test
    void anInvalidTokenIsDenied() {
        String forged = new DevTokens("another-secret-that-is-long-enough-for-hs256", ISSUER, AUDIENCE)
                .issue("user-1", Duration.ofMinutes(5));
        assertThat(authorize.authorize(Map.of(), Map.of("token", forged)))
                .isInstanceOf(AuthorizeConnection.Decision.Deny.class);
        assertThat(authorize.authorize(Map.of("Sec-WebSocket-Protocol", "switchboard.v1, " + forged), Map.of()))
                .isInstanceOf(AuthorizeConnection.Decision.Deny.class);
    }

    @Test
    void headerLookupIgnoresCase() {
        assertThat(Headers.get(Map.of("X-Thing", "v"), "x-thing")).isEqualTo("v");
        assertThat(Headers.get(Map.of("X-Thing", "v"), "x-other")).isNull();
        assertThat(Headers.get(null, "x-thing")).isNull();
    }
}
