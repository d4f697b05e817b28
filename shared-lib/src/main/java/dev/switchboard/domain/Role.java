package dev.switchboard.domain;

public enum Role {
    USER, ASSISTANT;

    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
