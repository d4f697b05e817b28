package dev.switchboard.auth;

import dev.switchboard.config.Setting;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.ConfigurableJWTProcessor;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.switchboard.config.Env;
import java.net.MalformedURLException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Verifies bearer JWTs with nimbus-jose-jwt: HS256 with a shared secret (local use) or RS256/ES256 against a JWKS URL
 * (Cognito or any OIDC issuer). Issuer, audience, {@code exp} and {@code sub} are required; {@code nbf} is honoured.
 */
public final class TokenVerifier {
    /** Longest token accepted; anything bigger is refused before parsing. */
    public static final int MAX_TOKEN_CHARS = 8192;
    private static final Pattern USER_ID = Pattern.compile("[A-Za-z0-9._@:+\\-]{1,128}");

    private final ConfigurableJWTProcessor<SecurityContext> processor;

    public TokenVerifier(ConfigurableJWTProcessor<SecurityContext> processor) {
        this.processor = processor;
    }

    /** HS256 with a secret of at least 32 bytes. */
    public static TokenVerifier hs256(String secret, String issuer, String audience) {
        byte[] key = secret.getBytes(StandardCharsets.UTF_8);
        if (key.length < 32) {
            throw new IllegalStateException(Setting.JWT_SECRET.name() + " must be at least 32 bytes for HS256");
        }
        return build(new JWSVerificationKeySelector<>(JWSAlgorithm.HS256, new ImmutableSecret<>(key)), issuer, audience);
    }

    public static TokenVerifier jwks(String jwksUrl, String issuer, String audience) {
        JWKSource<SecurityContext> source;
        try {
            source = JWKSourceBuilder.create(URI.create(jwksUrl).toURL()).retrying(true).build();
        } catch (MalformedURLException | IllegalArgumentException e) {
            throw new IllegalStateException(Setting.JWKS_URL.name() + " is not a valid URL: " + jwksUrl, e);
        }
        return build(new JWSVerificationKeySelector<>(Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256), source),
                issuer, audience);
    }

    /** Built from AUTH_MODE (hs256 | jwks, default hs256), JWT_SECRET or JWKS_URL, JWT_ISSUER, JWT_AUDIENCE. */
    public static TokenVerifier fromEnv(Env env) {
        String mode = env.text(Setting.AUTH_MODE);
        String issuer = env.require(Setting.JWT_ISSUER);
        String audience = env.text(Setting.JWT_AUDIENCE);
        return switch (mode) {
            case "hs256" -> hs256(env.require(Setting.JWT_SECRET), issuer, audience);
            case "jwks" -> jwks(env.require(Setting.JWKS_URL), issuer, audience);
            default -> throw new IllegalStateException(Setting.AUTH_MODE.name() + " must be hs256 or jwks, got '" + mode + "'");
        };
    }

    private static TokenVerifier build(JWSVerificationKeySelector<SecurityContext> selector, String issuer,
                                       String audience) {
        DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
        p.setJWSKeySelector(selector);
        p.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(audience,
                new JWTClaimsSet.Builder().issuer(issuer).build(), Set.of("sub", "exp")));
        return new TokenVerifier(p);
    }

    public VerifiedUser verify(String token) throws TokenRejectedException {
        return verifyToken(token).user();
    }

    /** Like {@link #verify}, and also returns the token's claims (for checks beyond identity, e.g. the operator's). */
    public VerifiedToken verifyToken(String token) throws TokenRejectedException {
        if (token == null || token.isBlank()) {
            throw new TokenRejectedException("no token");
        }
        if (token.length() > MAX_TOKEN_CHARS) {
            throw new TokenRejectedException("token over " + MAX_TOKEN_CHARS + " characters");
        }
        JWTClaimsSet claims;
        try {
            claims = processor.process(token, null);
        } catch (ParseException e) {
            throw new TokenRejectedException("not a JWT");
        } catch (BadJOSEException e) {
            throw new TokenRejectedException("rejected: " + e.getMessage());
        } catch (JOSEException e) {
            throw new TokenRejectedException("cannot verify: " + e.getMessage());
        }
        String sub = claims.getSubject();
        if (sub == null || !USER_ID.matcher(sub).matches()) {
            throw new TokenRejectedException("subject is not a valid user id");
        }
        return new VerifiedToken(new VerifiedUser(sub, claims.getExpirationTime().getTime() / 1000),
                claims.getClaims());
    }
}
