package dev.switchboard.port;

import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.Page;
import dev.switchboard.domain.TurnClaim;
import java.util.List;

public interface MessageStore {
    /**
     * Binds {@code clientMessageId} to {@code candidateTurnId} and the message's {@code fingerprint} with a
     * conditional write; when the clientMessageId was claimed before, returns what was bound then (fresh = false).
     */
    TurnClaim claimTurn(String userId, String sessionId, String clientMessageId, String candidateTurnId,
                        String fingerprint, long nowMillis);

    /**
     * {@link #claimTurn} and {@link #putIfAbsent} of the turn's user message in one atomic write: binds
     * {@code clientMessageId} to {@code message}'s turn id (the candidate) and {@code fingerprint} and stores
     * {@code message}, or, when the clientMessageId was claimed before, writes nothing and returns what was bound then
     * (fresh = false; the caller stores the message of that turn itself if it is missing). The claim's time is the
     * message's {@code createdAtMillis}.
     */
    TurnClaim claimTurnWithMessage(StoredMessage message, String clientMessageId, String fingerprint);

    /**
     * Stores a message with a conditional write keyed by (turn, role).
     *
     * @return true when written, false when that message was already stored
     */
    boolean putIfAbsent(StoredMessage message);

    /**
     * Replaces a stored message (matched by turn, role and, for a tool call, step) only while its status is
     * {@code expectedStatus}: the compare-and-set that makes tool approvals and tool runs happen once.
     *
     * @return false when the message is missing or its status is another
     */
    boolean transition(StoredMessage next, dev.switchboard.domain.ToolStatus expectedStatus);

    /** The tool calls ({@link dev.switchboard.domain.Role#TOOL} messages) of turns {@code fromTurnId}..{@code toTurnId}, by turn then step. */
    List<StoredMessage> toolCalls(String userId, String sessionId, String fromTurnId, String toTurnId);

    /** Newest first page of user and assistant messages (tool calls are read with {@link #toolCalls}); items are returned oldest first within the page. */
    Page<StoredMessage> history(String userId, String sessionId, int limit, String cursor);

    /**
     * The user and assistant messages of turn {@code fromTurnId} and every later turn (null: from the session's first
     * turn), oldest first, at most {@code limit}: reading a session forwards (exportSession). Eventually consistent.
     */
    List<StoredMessage> fromTurn(String userId, String sessionId, String fromTurnId, int limit);

    /** The cursor of a {@link #history} page that continues with the messages older than {@code message}. */
    String cursorBefore(StoredMessage message);

    /**
     * The messages of the session up to and including turn {@code turnId} (its user message and, if already stored,
     * its answer), at most {@code count}, oldest first. One Query serves the worker's idempotency check, the turn's
     * text and the recent history.
     */
    List<StoredMessage> recentUpTo(String userId, String sessionId, String turnId, int count);

    /**
     * Marks the user and assistant messages of turns {@code fromTurnId} (inclusive) to {@code beforeTurnId}
     * (exclusive) superseded (regenerate, editMessage); with {@code keepFirstQuestion} the user message of
     * {@code fromTurnId} stays current (a regenerate replaces the answer, not the question). Idempotent.
     *
     * @return how many messages were newly marked
     */
    int supersede(String userId, String sessionId, String fromTurnId, String beforeTurnId, boolean keepFirstQuestion);

    /**
     * Sets ({@code rating} non-null) or clears the rating of the assistant message of {@code turnId}.
     *
     * @return that message as it was before the change; empty when the turn has no stored answer
     */
    java.util.Optional<StoredMessage> rate(String userId, String sessionId, String turnId,
                                           dev.switchboard.domain.Rating rating);

    /**
     * Saves the hand-off checkpoint of {@code checkpoint.turnId()}, replacing an earlier one of the same turn. The
     * checkpoint is kept apart from the turn's messages: history, export and the worker's recent-history read do not
     * see it; {@link #deleteSession} removes it.
     */
    void saveCheckpoint(dev.switchboard.domain.RunCheckpoint checkpoint);

    /** The hand-off checkpoint of {@code turnId} (strongly consistent), empty when none was saved or it was cleared. */
    java.util.Optional<dev.switchboard.domain.RunCheckpoint> checkpoint(String userId, String sessionId, String turnId);

    /** Removes the hand-off checkpoint of {@code turnId} (once its answer is stored); nothing when there is none. */
    void clearCheckpoint(String userId, String sessionId, String turnId);

    /** Deletes every item of the session; returns how many messages were deleted. */
    int deleteSession(String userId, String sessionId);
}
