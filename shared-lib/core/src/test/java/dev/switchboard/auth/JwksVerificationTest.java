package dev.switchboard.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** AUTH_MODE=jwks: RS256 tokens verified against keys served by a local JWKS endpoint, as Cognito serves them. */
class JwksVerificationTest {
    private static final String ISSUER = "https://issuer.example/pool";
    private static HttpServer server;
    private static RSAKey key;
    private static final AtomicInteger fetches = new AtomicInteger();
    private static TokenVerifier verifier;

    @BeforeAll
    static void serveJwks() throws Exception {
        key = new RSAKeyGenerator(2048).keyID("k1").generate();
        byte[] jwks = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/.well-known/jwks.json", ex -> {
            fetches.incrementAndGet();
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, jwks.length);
            ex.getResponseBody().write(jwks);
            ex.close();
        });
        server.start();
        verifier = TokenVerifier.jwks("http://127.0.0.1:" + server.getAddress().getPort() + "/.well-known/jwks.json",
                ISSUER, "switchboard");
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    private static String sign(RSAKey with, String subject, String issuer) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(with.getKeyID()).build(),
                new JWTClaimsSet.Builder().subject(subject).issuer(issuer).audience("switchboard")
                        .expirationTime(Date.from(Instant.now().plusSeconds(600))).build());
        jwt.sign(new RSASSASigner(with));
        return jwt.serialize();
    }

    @Test
    void aTokenSignedByTheIssuersKeyIsAccepted() throws Exception {
        VerifiedUser user = verifier.verify(sign(key, "cognito-user-1", ISSUER));
        assertThat(user.userId()).isEqualTo("cognito-user-1");
        assertThat(fetches.get()).isPositive();
    }

    @Test
    void aTokenSignedByAnotherKeyWithTheSameKeyIdIsRefused() throws Exception {
        RSAKey impostor = new RSAKeyGenerator(2048).keyID("k1").generate();
        assertThatThrownBy(() -> verifier.verify(sign(impostor, "cognito-user-1", ISSUER)))
                .isInstanceOf(TokenRejectedException.class);
    }

    @Test
    void anHs256TokenIsRefusedInJwksMode() {
        String hs = new DevTokens("a-secret-that-is-long-enough-for-hs256!!", ISSUER, "switchboard")
                .issue("cognito-user-1", java.time.Duration.ofMinutes(5));
        assertThatThrownBy(() -> verifier.verify(hs)).isInstanceOf(TokenRejectedException.class);
    }

    @Test
    void anotherIssuerIsRefused() throws Exception {
        assertThatThrownBy(() -> verifier.verify(sign(key, "cognito-user-1", "https://evil.example")))
                .isInstanceOf(TokenRejectedException.class);
    }
}
