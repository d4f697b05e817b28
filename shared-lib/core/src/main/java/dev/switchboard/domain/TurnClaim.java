package dev.switchboard.domain;

/**
 * The turn id bound to a clientMessageId; {@code fresh} is false when the clientMessageId was seen before, and then
 * {@code fingerprint} is the one stored with the first message (a different one means the id was reused for
 * another message).
 */
public record TurnClaim(String turnId, long createdAtMillis, boolean fresh, String fingerprint) {}
