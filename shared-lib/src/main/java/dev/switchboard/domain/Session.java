package dev.switchboard.domain;

/** A conversation owned by one user. Times are epoch milliseconds. */
public record Session(String userId, String sessionId, String title, long createdAtMillis, long updatedAtMillis) {}
