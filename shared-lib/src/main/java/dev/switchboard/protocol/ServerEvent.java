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
        @JsonSubTypes.Type(value = ServerEvent.Pong.class, name = "pong")
})
@JsonInclude(JsonInclude.Include.NON_NULL)
public sealed interface ServerEvent {

    /** The user turn is stored and queued; {@code duplicate} is true when the clientMessageId was seen before. */
    record Accepted(String sessionId, String turnId, String clientMessageId, boolean duplicate) implements ServerEvent {}

    /** A piece of the answer; {@code seq} counts from 0 within the turn, with no gaps. */
    record Delta(String sessionId, String turnId, int seq, String text) implements ServerEvent {}

    /** The answer is complete and stored. {@code deltas} is how many deltas were sent (seq 0..deltas-1). */
    record Done(String sessionId, String turnId, int deltas, String model, boolean offline, String finishReason,
                Usage usage, Timings timings) implements ServerEvent {}

    record Usage(int inputTokens, int outputTokens, int totalTokens) {}

    /** Milliseconds: queue wait (enqueue to worker start), first delta (worker start to first delta), total. */
    record Timings(long queueWaitMs, long firstDeltaMs, long totalMs) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Error(String code, String message, String action, String sessionId, String turnId,
                 String clientMessageId) implements ServerEvent {
        public static Error of(ErrorCode code, String message) {
            return new Error(code.name(), message, null, null, null, null);
        }

        public Error forAction(String action) {
            return new Error(code, message, action, sessionId, turnId, clientMessageId);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SessionSummary(String sessionId, String title, String createdAt, String updatedAt) {}

    record Sessions(List<SessionSummary> sessions, String nextCursor) implements ServerEvent {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record HistoryMessage(String turnId, String role, String text, String createdAt, String model, Boolean truncated) {}

    /** One page of a session's history, oldest first; {@code nextCursor} fetches the page before it. */
    record History(String sessionId, List<HistoryMessage> messages, String nextCursor) implements ServerEvent {}

    record SessionDeleted(String sessionId, int messagesDeleted) implements ServerEvent {}

    record Pong(long serverTime) implements ServerEvent {}
}
