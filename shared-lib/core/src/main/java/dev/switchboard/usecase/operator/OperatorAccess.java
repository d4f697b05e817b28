package dev.switchboard.usecase.operator;

import dev.switchboard.protocol.Headers;
import dev.switchboard.auth.OperatorPolicy;
import dev.switchboard.auth.TokenRejectedException;
import dev.switchboard.auth.TokenVerifier;
import dev.switchboard.auth.VerifiedToken;
import dev.switchboard.auth.VerifiedUser;
import java.util.Locale;
import java.util.Map;

/**
 * Who may use the operator API: a bearer JWT in the {@code Authorization} header, verified exactly as the WebSocket
 * authorizer verifies tokens (same {@link TokenVerifier}, same AUTH_MODE settings), that also passes the
 * {@link OperatorPolicy} (by default: its {@code scope} contains {@code switchboard:operator}). Tokens are never taken
 * from the query string, where they would end up in access logs.
 */
public final class OperatorAccess {
    public sealed interface Decision {
        /** No Authorization header at all (only public liveness is served). */
        record NoToken() implements Decision {}

        /** A header that is not a valid bearer token: 401. */
        record Unauthenticated(String reason) implements Decision {}

        /** A valid token of someone who is not an operator: 403. */
        record Forbidden(VerifiedUser user) implements Decision {}

        record Operator(VerifiedUser user) implements Decision {}
    }

    private final TokenVerifier verifier;
    private final OperatorPolicy policy;

    public OperatorAccess(TokenVerifier verifier, OperatorPolicy policy) {
        this.verifier = verifier;
        this.policy = policy;
    }

    public Decision check(Map<String, String> headers) {
        String authorization = Headers.get(headers, "authorization");
        if (authorization == null || authorization.isBlank()) {
            return new Decision.NoToken();
        }
        String value = authorization.strip();
        if (value.length() < 7 || !value.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
            return new Decision.Unauthenticated("not a bearer token");
        }
        VerifiedToken token;
        try {
            token = verifier.verifyToken(value.substring(7).strip());
        } catch (TokenRejectedException e) {
            return new Decision.Unauthenticated(e.getMessage());
        }
        return policy.allows(token) ? new Decision.Operator(token.user()) : new Decision.Forbidden(token.user());
    }
}
