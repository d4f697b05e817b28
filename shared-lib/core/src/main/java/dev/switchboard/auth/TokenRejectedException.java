package dev.switchboard.auth;

/** A token that must not open a connection; the message says why (logged, never shown to the client). */
public final class TokenRejectedException extends Exception {
    public TokenRejectedException(String reason) {
        super(reason, null, false, false);
    }
}
