package dev.switchboard.domain;

/**
 * A conversation owned by one user. Times are epoch milliseconds. {@code model}, {@code systemPrompt} and
 * {@code busyPolicy} are the session's own settings (null: the operator's defaults). {@code lastTurnId} is the newest
 * accepted turn (with its clientMessageId), {@code settledTurnId} the newest turn the worker has finished with
 * (answered, cancelled or paused for approval), {@code cancelUpTo} the newest turn a cancel applies to;
 * {@code resumes} are the reconnected connections waiting for the rest of a running turn.
 */
public record Session(String userId, String sessionId, String title, long createdAtMillis, long updatedAtMillis,
                      String model, String systemPrompt, BusyPolicy busyPolicy,
                      String lastTurnId, String lastClientMessageId, String settledTurnId, String cancelUpTo,
                      java.util.List<ResumeRequest> resumes) {

    public Session {
        resumes = resumes == null ? java.util.List.of() : java.util.List.copyOf(resumes);
    }

    public Session(String userId, String sessionId, String title, long createdAtMillis, long updatedAtMillis,
                   String model, String systemPrompt, BusyPolicy busyPolicy,
                   String lastTurnId, String lastClientMessageId, String settledTurnId, String cancelUpTo) {
        this(userId, sessionId, title, createdAtMillis, updatedAtMillis, model, systemPrompt, busyPolicy, lastTurnId,
                lastClientMessageId, settledTurnId, cancelUpTo, java.util.List.of());
    }

    public Session(String userId, String sessionId, String title, long createdAtMillis, long updatedAtMillis) {
        this(userId, sessionId, title, createdAtMillis, updatedAtMillis, null, null, null, null, null, null, null,
                java.util.List.of());
    }

    /** A turn was accepted and the worker has not finished with it yet. */
    public boolean busy() {
        return lastTurnId != null && (settledTurnId == null || lastTurnId.compareTo(settledTurnId) > 0);
    }

    /** Whether a cancel covers {@code turnId}. */
    public boolean cancelled(String turnId) {
        return cancelUpTo != null && turnId.compareTo(cancelUpTo) <= 0;
    }

    /** Whether the worker is done with {@code turnId} (answered, cancelled, paused for approval or given up). */
    public boolean settled(String turnId) {
        return settledTurnId != null && turnId.compareTo(settledTurnId) <= 0;
    }

    public BusyPolicy effectiveBusyPolicy() {
        return busyPolicy == null ? BusyPolicy.ENQUEUE : busyPolicy;
    }
}
