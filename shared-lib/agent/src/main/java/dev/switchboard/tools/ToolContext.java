package dev.switchboard.tools;

/**
 * Who a tool runs for: taken from the turn being answered, never from the model's arguments. Every tool that touches
 * user data reads and writes only {@code userId}'s items.
 */
public record ToolContext(String userId, String sessionId, String turnId) {}
