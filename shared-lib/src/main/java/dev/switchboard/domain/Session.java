package dev.switchboard.domain;

/**
 * A conversation owned by one user. Times are epoch milliseconds. {@code model}, {@code systemPrompt} and
 * {@code busyPolicy} are the session's own settings (null: the operator's defaults). {@code lastTurnId} is the newest
 * accepted turn (with its clientMessageId), {@code settledTurnId} the newest turn the worker has finished with
 * (answered, cancelled or paused for approval), {@code cancelUpTo} the newest turn a cancel applies to.
 */
public record Session(String userId, String sessionId, String title, long createdAtMillis, long updatedAtMillis,
                      String model, String systemPrompt, BusyPolicy busyPolicy,
                      String lastTurnId, String lastClientMessageId, String settledTurnId, String cancelUpTo) {

    public Session(String userId, String sessionId, String title, long createdAtMillis, long updatedAtMillis) {
        this(userId, sessionId, title, createdAtMillis, updatedAtMillis, null, null, null, null, null, null, null);
    }

    /** A turn was accepted and the worker has not finished with it yet. */
    public boolean busy() {
        return lastTurnId != null && (settledTurnId == null || lastTurnId.compareTo(settledTurnId) > 0);
    }

    /** Whether a cancel covers {@code turnId}. */
    public boolean cancelled(String turnId) {
        return cancelUpTo != null && turnId.compareTo(cancelUpTo) <= 0;
    }

    public BusyPolicy effectiveBusyPolicy() {
        return busyPolicy == null ? BusyPolicy.ENQUEUE : busyPolicy;
    }
}
