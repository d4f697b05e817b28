package dev.switchboard.domain;

/** The turn id bound to a clientMessageId; {@code fresh} is false when the clientMessageId was seen before. */
public record TurnClaim(String turnId, long createdAtMillis, boolean fresh) {}
