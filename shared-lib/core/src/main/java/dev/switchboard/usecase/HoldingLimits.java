package dev.switchboard.usecase;

import dev.switchboard.config.HoldingSettings;
import dev.switchboard.port.UserHoldings;
import dev.switchboard.port.UserHoldings.Kind;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.ServerEvent;
import java.util.Optional;

/**
 * The caps on what a user holds (sessions, documents, notes) and the per-minute limits on creating sessions
 * and documents, counted atomically through {@link UserHoldings}: a creator {@linkplain #take takes} a count before it
 * writes and {@linkplain #release gives it back} when the write fails, the item already existed or is deleted. Beyond
 * a limit the user gets {@code LIMIT_REACHED} saying which.
 */
public final class HoldingLimits {
    public static final HoldingLimits NONE = new HoldingLimits(UserHoldings.NONE, HoldingSettings.OFF);

    private final UserHoldings holdings;
    private final HoldingSettings settings;

    public HoldingLimits(UserHoldings holdings, HoldingSettings settings) {
        this.holdings = holdings;
        this.settings = settings;
    }

    public int cap(Kind kind) {
        return switch (kind) {
            case SESSIONS -> settings.sessionsPerUser();
            case DOCUMENTS -> settings.documentsPerUser();
            case NOTES -> settings.notesPerUser();
        };
    }

    private int perMinute(Kind kind) {
        return switch (kind) {
            case SESSIONS -> settings.sessionsPerMinute();
            case DOCUMENTS -> settings.documentsPerMinute();
            case NOTES -> 0;
        };
    }

    /**
     * Counts one creating action and one more item of {@code kind} for the user, or says why not (nothing counted
     * for the cap then).
     *
     * @param action    the client action, for the error
     * @param sessionId the session the error is about, if any
     */
    public Optional<ServerEvent> take(String userId, Kind kind, long nowMillis, String action, String sessionId) {
        if (!holdings.tryCountAction(userId, kind, nowMillis, perMinute(kind))) {
            return refuse(action, sessionId, "At most " + perMinute(kind) + " new " + kind.wire()
                    + " per minute; try again in a minute");
        }
        return takeHeld(userId, kind, action, sessionId);
    }

    /** {@link #take} without the per-minute limit (items the worker creates: notes). */
    public boolean tryTake(String userId, Kind kind) {
        return holdings.tryAdd(userId, kind, cap(kind));
    }

    private Optional<ServerEvent> takeHeld(String userId, Kind kind, String action, String sessionId) {
        if (!holdings.tryAdd(userId, kind, cap(kind))) {
            return refuse(action, sessionId, "At most " + cap(kind) + " " + kind.wire()
                    + " per user; delete one first");
        }
        return Optional.empty();
    }

    /** Gives back {@code count} items of {@code kind} (deleted, or taken for a write that did not happen). */
    public void release(String userId, Kind kind, int count) {
        if (cap(kind) > 0 && count > 0) {
            holdings.release(userId, kind, count);
        }
    }

    /** Every item of {@code kind} was deleted. */
    public void clear(String userId, Kind kind) {
        if (cap(kind) > 0) {
            holdings.clear(userId, kind);
        }
    }

    private static Optional<ServerEvent> refuse(String action, String sessionId, String message) {
        return Optional.of(new ServerEvent.Error(ErrorCode.LIMIT_REACHED.name(), message, action, sessionId, null,
                null));
    }
}
