package dev.switchboard.domain;

public enum Role {
    /** The user's message of a turn. */
    USER,
    /** The answer to it. */
    ASSISTANT,
    /** One tool call the model made while answering the turn, with its status and result. */
    TOOL;

    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
