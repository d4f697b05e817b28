package dev.switchboard.domain;

/** A short text a user asked the assistant to keep. Note ids sort by creation time; times are epoch milliseconds. */
public record Note(String userId, String noteId, String text, long createdAtMillis) {}
