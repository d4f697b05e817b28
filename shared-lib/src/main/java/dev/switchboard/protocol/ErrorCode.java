package dev.switchboard.protocol;

/** Stable, machine-readable error codes of protocol v1 (docs/protocol.md). */
public enum ErrorCode {
    /** The frame is not a JSON object (or nests deeper than allowed). */
    BAD_JSON,
    /** The {@code action} field is missing or names no known action. */
    UNKNOWN_ACTION,
    /** A required field is missing. */
    MISSING_FIELD,
    /** A field has the wrong type or format, or is not part of the action. */
    INVALID_FIELD,
    /** A field is over its documented limit. */
    FIELD_TOO_LONG,
    /** The frame is over the documented frame limit. */
    MESSAGE_TOO_LARGE,
    /** The clientMessageId was already used for a different message (ids must be unique per user). */
    ID_REUSED,
    /** The session does not exist for this user (also answered for another user's session). */
    SESSION_NOT_FOUND,
    /** The turn failed for good after its retries. */
    TURN_FAILED,
    /** Something went wrong on the server; the request can be retried. */
    INTERNAL
}
