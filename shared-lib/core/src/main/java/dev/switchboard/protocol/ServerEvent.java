package dev.switchboard.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;

/** Everything the server sends to a client: one record per event type of protocol v1 (docs/protocol.md). */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = ServerEvent.Accepted.class, name = "accepted"),
        @JsonSubTypes.Type(value = ServerEvent.Delta.class, name = "delta"),
        @JsonSubTypes.Type(value = ServerEvent.Done.class, name = "done"),
        @JsonSubTypes.Type(value = ServerEvent.Error.class, name = "error"),
        @JsonSubTypes.Type(value = ServerEvent.Sessions.class, name = "sessions"),
        @JsonSubTypes.Type(value = ServerEvent.History.class, name = "history"),
        @JsonSubTypes.Type(value = ServerEvent.SessionDeleted.class, name = "sessionDeleted"),
        @JsonSubTypes.Type(value = ServerEvent.Pong.class, name = "pong"),
        @JsonSubTypes.Type(value = ServerEvent.SessionInfo.class, name = "session"),
        @JsonSubTypes.Type(value = ServerEvent.Models.class, name = "models"),
        @JsonSubTypes.Type(value = ServerEvent.CancelRequested.class, name = "cancelRequested"),
        @JsonSubTypes.Type(value = ServerEvent.ToolCallEvent.class, name = "toolCall"),
        @JsonSubTypes.Type(value = ServerEvent.ToolResult.class, name = "toolResult"),
        @JsonSubTypes.Type(value = ServerEvent.ApprovalRequired.class, name = "approvalRequired"),
        @JsonSubTypes.Type(value = ServerEvent.ToolDecision.class, name = "toolDecision"),
        @JsonSubTypes.Type(value = ServerEvent.CommandResult.class, name = "commandResult"),
        @JsonSubTypes.Type(value = ServerEvent.Memories.class, name = "memories"),
        @JsonSubTypes.Type(value = ServerEvent.MemoryDeleted.class, name = "memoryDeleted"),
        @JsonSubTypes.Type(value = ServerEvent.DocumentAdded.class, name = "documentAdded"),
        @JsonSubTypes.Type(value = ServerEvent.Documents.class, name = "documents"),
        @JsonSubTypes.Type(value = ServerEvent.DocumentDeleted.class, name = "documentDeleted"),
        @JsonSubTypes.Type(value = ServerEvent.DocumentReady.class, name = "documentReady"),
        @JsonSubTypes.Type(value = ServerEvent.Restart.class, name = "restart"),
        @JsonSubTypes.Type(value = ServerEvent.Resumed.class, name = "resumed"),
        @JsonSubTypes.Type(value = ServerEvent.Rated.class, name = "rated"),
        @JsonSubTypes.Type(value = ServerEvent.Export.class, name = "export"),
        @JsonSubTypes.Type(value = ServerEvent.SearchResults.class, name = "searchResults")
})
@JsonInclude(JsonInclude.Include.NON_NULL)
public sealed interface ServerEvent {

    /**
     * The user turn is stored and queued; {@code duplicate} is true when the clientMessageId was seen before.
     * {@code regenerates} (reply to regenerate) and {@code edits} (reply to editMessage) name the turn replaced.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Accepted(String sessionId, String turnId, String clientMessageId, boolean duplicate, String regenerates,
                    String edits) implements ServerEvent {
        public Accepted(String sessionId, String turnId, String clientMessageId, boolean duplicate) {
            this(sessionId, turnId, clientMessageId, duplicate, null, null);
        }
    }

    /** Reply to rateMessage: the answer's rating now ({@code rating} and {@code comment} null: cleared). */
    record Rated(String sessionId, String turnId, String rating, String comment) implements ServerEvent {}

    /**
     * A piece of the answer; {@code seq} counts from 0 within the turn, with no gaps. {@code attempt} identifies the
     * worker run that streamed it (give it back in {@code resume}).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Delta(String sessionId, String turnId, int seq, String text, Long attempt) implements ServerEvent {
        public Delta(String sessionId, String turnId, int seq, String text) {
            this(sessionId, turnId, seq, text, null);
        }
    }

    /**
     * The turn's answer is being streamed again by a new worker run (the one before stopped, e.g. its worker died):
     * drop the deltas from {@code fromSeq} on; the new run's deltas continue from {@code fromSeq}.
     */
    record Restart(String sessionId, String turnId, int fromSeq, long attempt) implements ServerEvent {}

    /**
     * The answer to {@code resume} (and what the worker sends a resumed connection): replace the deltas from
     * {@code fromSeq} on with {@code text}; the next delta will be {@code nextSeq}. {@code status}: {@code answered}
     * or {@code cancelled} (the answer is complete and stored), {@code running} (more deltas and {@code done} follow
     * on this connection), {@code queued} (not started; it streams here), {@code stopped} (no answer is being made:
     * failed, or waiting for a tool decision). Without {@code text} it replaces nothing (the reply to a resume of a
     * running or stopped turn: the worker pushes what was missed). {@code more}: the reply was cut to fit a frame;
     * resume again from {@code nextSeq - 1}.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Resumed(String sessionId, String turnId, int fromSeq, String text, int nextSeq, String status,
                   Long attempt, Boolean more) implements ServerEvent {}

    /**
     * The answer is complete and stored. {@code deltas} is how many deltas were sent (seq 0..deltas-1);
     * {@code finishReason} is {@code CANCELLED} for a turn cut short by cancel, {@code BUDGET_EXHAUSTED} for one
     * stopped because the user's daily tokens are spent; {@code sources} lists the user's knowledge-base excerpts
     * given to the model and {@code memories} how many of the user's memories were.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Done(String sessionId, String turnId, int deltas, String model, boolean offline, String finishReason,
                Usage usage, Timings timings, List<Source> sources, Integer memories) implements ServerEvent {
        public Done(String sessionId, String turnId, int deltas, String model, boolean offline, String finishReason,
                    Usage usage, Timings timings) {
            this(sessionId, turnId, deltas, model, offline, finishReason, usage, timings, null, null);
        }
    }

    /** One knowledge-base excerpt used for an answer. */
    record Source(String documentId, String title, int chunk, double score) {}

    record Usage(int inputTokens, int outputTokens, int totalTokens) {}

    /**
     * Milliseconds: queue wait (enqueue to worker start), first delta (worker start to first delta), total (from the
     * run's start, across its hand-offs); {@code handoffs}: how often the run was handed on to the next invocation
     * (absent: never).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Timings(long queueWaitMs, long firstDeltaMs, long totalMs, Integer handoffs) {
        public Timings(long queueWaitMs, long firstDeltaMs, long totalMs) {
            this(queueWaitMs, firstDeltaMs, totalMs, null);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Error(String code, String message, String action, String sessionId, String turnId,
                 String clientMessageId) implements ServerEvent {
        public static Error of(ErrorCode code, String message) {
            return new Error(code.name(), message, null, null, null, null);
        }

        /** A session that does not exist, or is another user's: the same answer, so ids cannot be probed. */
        public static Error sessionNotFound(String action, String sessionId) {
            return new Error(ErrorCode.SESSION_NOT_FOUND.name(), "No such session", action, sessionId, null, null);
        }

        public Error forAction(String action) {
            return new Error(code, message, action, sessionId, turnId, clientMessageId);
        }

        public Error forTurn(String otherTurnId) {
            return new Error(code, message, action, sessionId, otherTurnId, clientMessageId);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SessionSummary(String sessionId, String title, String createdAt, String updatedAt, String model,
                          String systemPrompt, String busyPolicy) {
        public SessionSummary(String sessionId, String title, String createdAt, String updatedAt) {
            this(sessionId, title, createdAt, updatedAt, null, null, null);
        }
    }

    /** Reply to createSession / updateSession: the session with its settings. */
    record SessionInfo(SessionSummary session) implements ServerEvent {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ModelInfo(String id, String provider, String name, boolean offline) {}

    /** The models the operator allows; {@code defaultModel} answers sessions that chose none. */
    record Models(List<ModelInfo> models, String defaultModel) implements ServerEvent {}

    /** The cancel is recorded: the running turn stops within a second and ends with a CANCELLED done. */
    record CancelRequested(String sessionId, String turnId) implements ServerEvent {}

    /** The model called a tool; {@code arguments} is its JSON. */
    record ToolCallEvent(String sessionId, String turnId, String toolCallId, String name, String arguments)
            implements ServerEvent {}

    /** A tool call's outcome: status done, failed or denied. */
    record ToolResult(String sessionId, String turnId, String toolCallId, String name, String status, String result)
            implements ServerEvent {}

    /** The turn is paused until the user answers with approveTool or denyTool. */
    record ApprovalRequired(String sessionId, String turnId, String toolCallId, String name, String arguments)
            implements ServerEvent {}

    /** Reply to approveTool / denyTool: the call's status now (approved or denied). */
    record ToolDecision(String sessionId, String turnId, String toolCallId, String status) implements ServerEvent {}

    /** Reply to a slash command (handled without the model; nothing is stored in the session). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record CommandResult(String sessionId, String command, String text) implements ServerEvent {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record MemoryInfo(String memoryId, String text, String createdAt, String updatedAt, String sourceSessionId,
                      String sourceTurnId) {}

    record Memories(List<MemoryInfo> memories) implements ServerEvent {}

    record MemoryDeleted(String memoryId, int deleted) implements ServerEvent {}

    record DocumentInfo(String documentId, String title, int chars, int chunks, String status, String createdAt) {}

    /** The document is stored; it is searchable once {@code documentReady} arrives. */
    record DocumentAdded(DocumentInfo document) implements ServerEvent {}

    record Documents(List<DocumentInfo> documents) implements ServerEvent {}

    record DocumentDeleted(String documentId) implements ServerEvent {}

    /** Pushed when a document's chunks are embedded and it is used for answers. */
    record DocumentReady(String documentId, int chunks) implements ServerEvent {}

    record Sessions(List<SessionSummary> sessions, String nextCursor) implements ServerEvent {}

    /**
     * One stored message. {@code status}: {@code cancelled} for an answer cut short; for a tool call (role
     * {@code tool}, text = result) pending, approved, denied, running, done or failed. {@code superseded} (only
     * true, else absent): replaced by a regenerate or an edit; {@code answerOf}: on a regenerated answer, the turn
     * whose user message it answers; {@code rating} ({@code up}/{@code down}) and {@code ratingComment}: the user's
     * rateMessage of an answer.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record HistoryMessage(String turnId, String role, String text, String createdAt, String model, Boolean truncated,
                          String status, String toolCallId, String toolName, String toolArguments,
                          Boolean superseded, String answerOf, String rating, String ratingComment) {
        public HistoryMessage(String turnId, String role, String text, String createdAt, String model,
                              Boolean truncated) {
            this(turnId, role, text, createdAt, model, truncated, null, null, null, null);
        }

        public HistoryMessage(String turnId, String role, String text, String createdAt, String model,
                              Boolean truncated, String status, String toolCallId, String toolName,
                              String toolArguments) {
            this(turnId, role, text, createdAt, model, truncated, status, toolCallId, toolName, toolArguments, null,
                    null, null, null);
        }
    }

    /** One page of a session's history, oldest first; {@code nextCursor} fetches the page before it. */
    record History(String sessionId, List<HistoryMessage> messages, String nextCursor) implements ServerEvent {}

    /**
     * One part of an exportSession: the parts' {@code content}, joined in {@code part} order (1, 2, …), are the whole
     * document; {@code nextCursor} asks for the next part and is absent on the last.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Export(String sessionId, String format, int part, String content, String nextCursor)
            implements ServerEvent {}

    /** One message found by searchMessages; {@code superseded} (only true, else absent) as in history. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SearchHit(String sessionId, String sessionTitle, String turnId, String role, String excerpt,
                     String createdAt, double score, Boolean superseded) {}

    /** Reply to searchMessages: the best matches first; {@code nextCursor} continues the same ranking. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SearchResults(String query, List<SearchHit> results, String nextCursor) implements ServerEvent {}

    record SessionDeleted(String sessionId, int messagesDeleted) implements ServerEvent {}

    record Pong(long serverTime) implements ServerEvent {}
}
