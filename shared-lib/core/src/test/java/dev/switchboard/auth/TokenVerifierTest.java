package dev.switchboard.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.switchboard.config.Env;
import dev.switchboard.config.Secret;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TokenVerifierTest {
    static final String SECRET = "0123456789abcdef0123456789abcdef-test-secret";
    static final String ISSUER = "https://issuer.test";
    static final String AUDIENCE = "switchboard";

    private final TokenVerifier verifier = TokenVerifier.hs256(SECRET, ISSUER, AUDIENCE);
    private final DevTokens tokens = new DevTokens(SECRET, ISSUER, AUDIENCE);

    private static JWTClaimsSet.Builder validClaims(String subject) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder()
                .subject(subject)
                .issuer(ISSUER)
                .audience(AUDIENCE)
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now.minusSeconds(1)))
                .expirationTime(Date.from(now.plusSeconds(600)));
    }

    private static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private void assertRejected(String token) {
        assertThatThrownBy(() -> verifier.verify(token)).isInstanceOf(TokenRejectedException.class);
    }

    @Test
    void aValidTokenGivesTheSubject() throws Exception {
        String token = tokens.issue("user-1", Duration.ofMinutes(10));
        VerifiedUser user = verifier.verify(token);
        assertThat(user.userId()).isEqualTo("user-1");
        long inTenMinutes = Instant.now().plusSeconds(600).getEpochSecond();
        assertThat(user.expiresAtEpochSeconds()).isBetween(inTenMinutes - 60, inTenMinutes + 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "user.name", "u_1", "me@example.com", "us-east-1:1234abcd-12ab", "a+b"})
    void subjectsFromTheAllowedSetAreAccepted(String subject) throws Exception {
        assertThat(verifier.verify(tokens.sign(validClaims(subject).build())).userId()).isEqualTo(subject);
    }

    @Test
    void nullOrBlankIsRefused() {
        assertRejected(null);
        assertRejected("");
        assertRejected("   ");
    }

    @Test
    void anOverlongTokenIsRefusedBeforeParsing() {
        String longToken = tokens.sign(validClaims("user-1").claim("pad", "x".repeat(TokenVerifier.MAX_TOKEN_CHARS)).build());
        assertThat(longToken.length()).isGreaterThan(TokenVerifier.MAX_TOKEN_CHARS);
        assertThatThrownBy(() -> verifier.verify(longToken))
                .isInstanceOf(TokenRejectedException.class)
                .hasMessageContaining(String.valueOf(TokenVerifier.MAX_TOKEN_CHARS));
    }

    @Test
    void garbageIsRefused() {
        assertRejected("not-a-jwt");
        assertRejected("a.b.c");
    }

    @Test
    void anExpiredTokenIsRefused() {
        Instant past = Instant.now().minus(Duration.ofHours(1));
        assertRejected(tokens.sign(validClaims("user-1")
                .issueTime(Date.from(past.minusSeconds(600)))
                .notBeforeTime(Date.from(past.minusSeconds(600)))
                .expirationTime(Date.from(past)).build()));
    }

    @Test
    void aTokenWithoutExpiryIsRefused() {
        assertRejected(tokens.sign(validClaims("user-1").expirationTime(null).build()));
    }

    @Test
    void aTokenNotValidYetIsRefused() {
        assertRejected(tokens.sign(validClaims("user-1")
                .notBeforeTime(Date.from(Instant.now().plus(Duration.ofHours(1))))
                .expirationTime(Date.from(Instant.now().plus(Duration.ofHours(2)))).build()));
    }

    @Test
    void aWrongIssuerIsRefused() {
        assertRejected(tokens.sign(validClaims("user-1").issuer("https://evil.test").build()));
        assertRejected(tokens.sign(validClaims("user-1").issuer(null).build()));
        assertRejected(new DevTokens(SECRET, "https://evil.test", AUDIENCE).issue("user-1", Duration.ofMinutes(5)));
    }

    @Test
    void aWrongAudienceIsRefused() {
        assertRejected(tokens.sign(validClaims("user-1").audience("other-app").build()));
        assertRejected(tokens.sign(validClaims("user-1").audience((String) null).build()));
    }

    @Test
    void aMissingSubjectIsRefused() {
        assertRejected(tokens.sign(validClaims("user-1").subject(null).build()));
    }

    @Test
    void aTokenSignedWithAnotherSecretIsRefused() {
        DevTokens other = new DevTokens("another-secret-that-is-long-enough-for-hs256", ISSUER, AUDIENCE);
        assertRejected(other.issue("user-1", Duration.ofMinutes(5)));
    }

    @Test
    void aTamperedPayloadIsRefused() throws Exception {
        String token = tokens.issue("user-1", Duration.ofMinutes(5));
        assertThat(verifier.verify(token).userId()).isEqualTo("user-1");
        String[] parts = token.split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        assertThat(payload).contains("\"sub\":\"user-1\"");
        String forged = parts[0] + "." + b64(payload.replace("\"sub\":\"user-1\"", "\"sub\":\"admin\"")) + "." + parts[2];
        assertRejected(forged);
    }

    @Test
    void anUnsignedAlgNoneTokenIsRefused() {
        long now = Instant.now().getEpochSecond();
        String payload = "{\"sub\":\"user-1\",\"iss\":\"" + ISSUER + "\",\"aud\":\"" + AUDIENCE + "\",\"iat\":" + now
                + ",\"exp\":" + (now + 600) + "}";
        assertRejected(b64("{\"alg\":\"none\"}") + "." + b64(payload) + ".");
        assertRejected(b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + b64(payload) + ".");
        // alg none with a valid-looking signature part taken from a real token
        String realSig = tokens.issue("user-1", Duration.ofMinutes(5)).split("\\.")[2];
        assertRejected(b64("{\"alg\":\"none\"}") + "." + b64(payload) + "." + realSig);
    }

    @Test
    void anotherHmacAlgorithmIsRefused() throws Exception {
        // a correctly signed HS512 token: the verifier only accepts HS256
        var jwt = new com.nimbusds.jwt.SignedJWT(new com.nimbusds.jose.JWSHeader(com.nimbusds.jose.JWSAlgorithm.HS512),
                validClaims("user-1").build());
        jwt.sign(new com.nimbusds.jose.crypto.MACSigner((SECRET + SECRET).getBytes(StandardCharsets.UTF_8)));
        assertRejected(jwt.serialize());
    }

    @ParameterizedTest
    @ValueSource(strings = {"a#b", "a/b", "a b", "", "ü", "a\nb", "user#session"})
    void aSubjectOutsideTheAllowedSetIsRefused(String subject) {
        assertRejected(tokens.sign(validClaims(subject).build()));
    }

    @Test
    void anOverlongSubjectIsRefused() {
        assertRejected(tokens.sign(validClaims("a".repeat(129)).build()));
    }

    @Test
    void aSecretUnder32BytesFailsAtConstruction() {
        assertThatThrownBy(() -> TokenVerifier.hs256("x".repeat(31), ISSUER, AUDIENCE))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("JWT_SECRET");
        assertThat(TokenVerifier.hs256("x".repeat(32), ISSUER, AUDIENCE)).isNotNull();
    }

    @Test
    void aRotatedSecretAppliesToTheNextToken() throws Exception {
        String rotated = "the-rotated-hs256-secret-of-at-least-32-bytes";
        AtomicReference<String> stored = new AtomicReference<>(SECRET);
        AtomicLong now = new AtomicLong();
        Secret secret = Secret.managed("arn:test:jwt", id -> stored.get(), 60, now::get);
        TokenVerifier verifier = TokenVerifier.hs256(secret, ISSUER, AUDIENCE);
        DevTokens next = new DevTokens(rotated, ISSUER, AUDIENCE);
        assertThat(verifier.verify(tokens.issue("user-1", Duration.ofMinutes(1))).userId()).isEqualTo("user-1");
        stored.set(rotated);
        secret.refresh();
        assertThat(verifier.verify(next.issue("user-2", Duration.ofMinutes(1))).userId()).isEqualTo("user-2");
        assertThatThrownBy(() -> verifier.verify(tokens.issue("user-1", Duration.ofMinutes(1))))
                .isInstanceOf(TokenRejectedException.class);
        stored.set("tiny-x9");
        now.addAndGet(60_000);
        assertThatThrownBy(() -> verifier.verify(next.issue("user-2", Duration.ofMinutes(1))))
                .as("a rotated value under 32 bytes refuses every token")
                .isInstanceOf(TokenRejectedException.class).hasMessageContaining("arn:test:jwt")
                .hasMessageNotContaining("tiny-x9");
    }

    @Test
    void fromEnvBuildsAWorkingHs256Verifier() throws Exception {
        TokenVerifier fromEnv = TokenVerifier.fromEnv(new Env(Map.of(
                "JWT_SECRET", SECRET, "JWT_ISSUER", ISSUER, "JWT_AUDIENCE", AUDIENCE)));
        assertThat(fromEnv.verify(tokens.issue("user-9", Duration.ofMinutes(1))).userId()).isEqualTo("user-9");
    }

    @Test
    void fromEnvDefaultsTheAudienceToSwitchboard() throws Exception {
        TokenVerifier fromEnv = TokenVerifier.fromEnv(new Env(Map.of(
                "AUTH_MODE", "hs256", "JWT_SECRET", SECRET, "JWT_ISSUER", ISSUER)));
        assertThat(fromEnv.verify(tokens.issue("user-9", Duration.ofMinutes(1))).userId()).isEqualTo("user-9");
    }

    @Test
    void fromEnvWithAnUnknownModeFailsNamingAuthMode() {
        assertThatThrownBy(() -> TokenVerifier.fromEnv(new Env(Map.of(
                "AUTH_MODE", "magic", "JWT_SECRET", SECRET, "JWT_ISSUER", ISSUER))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("AUTH_MODE");
    }

    @Test
    void fromEnvWithoutIssuerFailsNamingJwtIssuer() {
        assertThatThrownBy(() -> TokenVerifier.fromEnv(new Env(Map.of("JWT_SECRET", SECRET))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("JWT_ISSUER");
    }

    @Test
    void fromEnvWithoutSecretFailsNamingJwtSecret() {
        assertThatThrownBy(() -> TokenVerifier.fromEnv(new Env(Map.of("JWT_ISSUER", ISSUER))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("JWT_SECRET");
    }

    @Test
    void fromEnvInJwksModeNeedsAValidUrl() {
        assertThatThrownBy(() -> TokenVerifier.fromEnv(new Env(Map.of("AUTH_MODE", "jwks", "JWT_ISSUER", ISSUER))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("JWKS_URL");
        assertThatThrownBy(() -> TokenVerifier.fromEnv(new Env(Map.of(
                "AUTH_MODE", "jwks", "JWT_ISSUER", ISSUER, "JWKS_URL", "not a url"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("JWKS_URL");
    }
}
