package dev.switchboard.domain;

/** A live WebSocket connection of one user. {@code expiresAtEpochSeconds} drives the table's TTL. */
public record Connection(String userId, String connectionId, long connectedAtMillis, long expiresAtEpochSeconds) {}
