package dev.switchboard.tools;

/** A tool call that failed in a way the model should hear about (bad arguments, tool error). */
public final class ToolException extends RuntimeException {
    public ToolException(String message) {
        super(message);
    }

    public ToolException(String message, Throwable cause) {
        super(message, cause);
    }
}
