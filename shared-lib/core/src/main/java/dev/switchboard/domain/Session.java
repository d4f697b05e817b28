package dev.switchboard.domain;

/**
 * A conversation owned by one user. Times are epoch milliseconds. {@code model}, {@code systemPrompt} and
 * {@code busyPolicy} are the session's own settings (null: the operator's defaults). {@code lastTurnId} is the newest
 * accepted turn (with its clientMessageId), {@code settledTurnId} the newest turn the worker has finished with
 * (answered, cancelled or paused for approval), {@code cancelUpTo} the newest turn a cancel applies to;
 * {@code resumes} are the reconnected connections waiting for the rest of a running turn; {@code held} is the
 * deduplication id of the newest job of the session's FIFO group that the queue refused and that is held for the sweep
 * (null when none is: a new turn is then sent without asking the held jobs).
 */
public record Session(String userId, String sessionId, String title, long createdAtMillis, long updatedAtMillis,
                      String model, String systemPrompt, BusyPolicy busyPolicy,
                      String lastTurnId, String lastClientMessageId, String settledTurnId, String cancelUpTo,
                      java.util.List<ResumeRequest> resumes, String held) {

    public Session {
        resumes = resumes == null ? java.util.List.of() : java.util.List.copyOf(resumes);
    }

    public Session(String userId, String sessionId, String title, long createdAtMillis, long updatedAtMillis,
                   String model, String systemPrompt, BusyPolicy busyPolicy,
                   String lastTurnId, String lastClientMessageId, String settledTurnId, String cancelUpTo,
                   java.util.List<ResumeRequest> resumes) {
        this(userId, sessionId, title, createdAtMillis, updatedAtMillis, model, systemPrompt, busyPolicy, lastTurnId,
                lastClientMessageId, settledTurnId, cancelUpTo, resumes, null);
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

    /** How many characters of the first message a session's first title keeps. */
    public static final int TITLE_CHARS = 60;
    /** The title of a session created without one ({@code createSession}). */
    public static final String UNTITLED = "New session";

    /** The title a session gets from its first message: that message on one line, cut at {@link #TITLE_CHARS}. */
    public static String titleFrom(String text) {
        String oneLine = text.strip().replaceAll("\\s+", " ");
        return oneLine.codePointCount(0, oneLine.length()) <= TITLE_CHARS ? oneLine
                : oneLine.substring(0, oneLine.offsetByCodePoints(0, TITLE_CHARS)) + "…";
    }

    public BusyPolicy effectiveBusyPolicy() {
        return busyPolicy == null ? BusyPolicy.ENQUEUE : busyPolicy;
    }
}
