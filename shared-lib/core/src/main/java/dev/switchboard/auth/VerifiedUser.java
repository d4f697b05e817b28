package dev.switchboard.auth;

/** The identity a valid token proves. {@code userId} is the token's subject. */
public record VerifiedUser(String userId, long expiresAtEpochSeconds) {}
