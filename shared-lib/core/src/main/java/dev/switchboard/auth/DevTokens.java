package dev.switchboard.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;

/** Issues HS256 development tokens that {@link TokenVerifier#hs256} accepts. For the local stack and tests only. */
public final class DevTokens {
    private final byte[] secret;
    private final String issuer;
    private final String audience;

    public DevTokens(String secret, String issuer, String audience) {
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
        this.issuer = issuer;
        this.audience = audience;
    }

    public String issue(String userId, Duration validFor) {
        return issue(userId, validFor, Map.of());
    }

    /** A token with extra claims (e.g. a {@code scope}). */
    public String issue(String userId, Duration validFor, Map<String, Object> extraClaims) {
        Instant now = Instant.now();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .subject(userId)
                .issuer(issuer)
                .audience(audience)
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now.minusSeconds(1)))
                .expirationTime(Date.from(now.plus(validFor)));
        extraClaims.forEach(claims::claim);
        return sign(claims.build());
    }

    /** An operator's token under the default {@link OperatorPolicy} ({@code scope: switchboard:operator}). */
    public String issueOperator(String userId, Duration validFor) {
        return issueOperator(userId, validFor, OperatorPolicy.defaults());
    }

    /** An operator's token under {@code policy}. */
    public String issueOperator(String userId, Duration validFor, OperatorPolicy policy) {
        return issue(userId, validFor, policy.grant());
    }

    public String sign(JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
            jwt.sign(new MACSigner(secret));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign development token", e);
        }
    }
}
