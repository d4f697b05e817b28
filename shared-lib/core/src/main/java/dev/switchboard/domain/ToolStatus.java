package dev.switchboard.domain;

/** Where a tool call stands (the {@code status} of a {@link Role#TOOL} message). */
public final class ToolStatus {
    /** Waiting for the user's approveTool / denyTool. */
    public static final String PENDING = "pending";
    public static final String APPROVED = "approved";
    public static final String DENIED = "denied";
    /** Claimed by a worker that is running it (a worker that dies here leaves the outcome unknown: never re-run). */
    public static final String RUNNING = "running";
    public static final String DONE = "done";
    public static final String FAILED = "failed";

    private ToolStatus() {}
}
