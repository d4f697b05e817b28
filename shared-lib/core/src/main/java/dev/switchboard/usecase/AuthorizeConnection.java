package dev.switchboard.usecase;

import dev.switchboard.protocol.Headers;
import dev.switchboard.auth.TokenRejectedException;
import dev.switchboard.auth.TokenVerifier;
import dev.switchboard.auth.VerifiedUser;
import java.util.Map;

/**
 * The $connect REQUEST authorizer's use case: finds the bearer token (query parameter {@code token}, or an entry of
 * {@code Sec-WebSocket-Protocol} next to {@value #SUBPROTOCOL}) and verifies it. The user id comes only from here.
 */
public final class AuthorizeConnection {
    public static final String SUBPROTOCOL = "switchboard.v1";

    public sealed interface Decision {
        record Allow(VerifiedUser user) implements Decision {}

        record Deny(String reason) implements Decision {}
    }

    private final TokenVerifier verifier;

    public AuthorizeConnection(TokenVerifier verifier) {
        this.verifier = verifier;
    }

    public Decision authorize(Map<String, String> headers, Map<String, String> query) {
        String token = tokenFrom(headers, query);
        try {
            return new Decision.Allow(verifier.verify(token));
        } catch (TokenRejectedException e) {
            return new Decision.Deny(e.getMessage());
        }
    }

    static String tokenFrom(Map<String, String> headers, Map<String, String> query) {
        if (query != null && query.get("token") != null && !query.get("token").isBlank()) {
            return query.get("token").trim();
        }
        String protocols = Headers.get(headers, "sec-websocket-protocol");
        if (protocols != null) {
            for (String p : protocols.split(",")) {
                String candidate = p.trim();
                if (!candidate.equals(SUBPROTOCOL) && candidate.chars().filter(c -> c == '.').count() == 2) {
                    return candidate;
                }
            }
        }
        return null;
    }
}
