package dev.switchboard.domain;

/** The body of a turns-queue message: which stored user turn to answer. Carries ids only, never text. */
public record TurnRequest(String userId, String sessionId, String turnId, String clientMessageId, long enqueuedAt) {}
