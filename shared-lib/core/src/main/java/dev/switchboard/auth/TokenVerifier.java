package dev.switchboard.auth;

import dev.switchboard.config.Setting;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
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
import dev.switchboard.config.Secret;
import dev.switchboard.config.Secrets;
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
        return hs256(Secret.fixed(Setting.JWT_SECRET.name(), secret), issuer, audience);
    }

    /**
     * HS256 with the secret's current value, taken on every verification, so a rotated secret (read again by
     * {@link Secret}) applies to the next token. The value must be at least 32 bytes: at init this fails, later a
     * shorter value refuses every token.
     */
    public static TokenVerifier hs256(Secret secret, String issuer, String audience) {
        if (hs256Key(secret.value()) == null) {
            throw new IllegalStateException(secret.name() + " must be at least 32 bytes for HS256");
        }
        JWKSource<SecurityContext> keys = (selector, context) -> {
            byte[] key = hs256Key(secret.value());
            if (key == null) {
                throw new KeySourceException(secret.name() + " is shorter than 32 bytes");
            }
            return selector.select(new JWKSet(new OctetSequenceKey.Builder(key).build()));
        };
        return build(new JWSVerificationKeySelector<>(JWSAlgorithm.HS256, keys), issuer, audience);
    }

    /** The value's bytes when they make an HS256 key (at least 32 bytes), else null. */
    private static byte[] hs256Key(String value) {
        byte[] key = value.getBytes(StandardCharsets.UTF_8);
        return key.length < 32 ? null : key;
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
        return fromEnv(env, Secrets.plain(env));
    }

    /**
     * Like {@link #fromEnv(Env)}, with the HS256 secret from {@code secrets}: JWT_SECRET_ARN (Secrets Manager) when
     * set, else JWT_SECRET. Nothing is read in jwks mode.
     */
    public static TokenVerifier fromEnv(Env env, Secrets secrets) {
        String mode = env.text(Setting.AUTH_MODE);
        String issuer = env.require(Setting.JWT_ISSUER);
        String audience = env.text(Setting.JWT_AUDIENCE);
        return switch (mode) {
            case "hs256" -> hs256(secrets.get(Setting.JWT_SECRET), issuer, audience);
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
