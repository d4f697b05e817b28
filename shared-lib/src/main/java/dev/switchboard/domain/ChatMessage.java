package dev.switchboard.domain;

/** One stored message (one DynamoDB item): the user turn or the assistant's answer to it. */
public record ChatMessage(String userId, String sessionId, String turnId, Role role, String text,
                          long createdAtMillis, String model) {}
