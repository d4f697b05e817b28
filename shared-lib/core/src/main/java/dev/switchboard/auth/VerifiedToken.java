package dev.switchboard.auth;

import java.util.Map;

/** A verified token: the identity it proves and every claim it carries (as nimbus-jose-jwt parsed them). */
public record VerifiedToken(VerifiedUser user, Map<String, Object> claims) {
    public VerifiedToken {
        claims = claims == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(claims));
    }
}
