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
    /** The model is not on the operator's allow-list (listModels tells which are). */
    MODEL_NOT_ALLOWED,
    /** The session is answering a message and its busy policy is {@code reject}; nothing was stored. */
    SESSION_BUSY,
    /** cancel found no running or queued turn in the session. */
    NOTHING_TO_CANCEL,
    /** resume named no turn of that session (also answered for another user's turn). */
    TURN_NOT_FOUND,
    /** approveTool / denyTool named no tool call of that turn. */
    TOOL_CALL_NOT_FOUND,
    /** The tool call was already approved or denied the other way. */
    TOOL_ALREADY_DECIDED,
    /** A message starting with '/' named no command (/help lists them; start with '//' to send a literal '/'). */
    UNKNOWN_COMMAND,
    /** A per-user limit is reached (documents, memories); the message says which. */
    LIMIT_REACHED,
    /** No such memory or document for this user. */
    NOT_FOUND,
    /** The token this connection was opened with has expired; reconnect with a new one (ping still works). */
    TOKEN_EXPIRED,
    /** The turn failed for good after its retries. */
    TURN_FAILED,
    /** Something went wrong on the server; the request can be retried. */
    INTERNAL
}
