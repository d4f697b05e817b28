package dev.switchboard.turn;

import dev.langchain4j.model.chat.response.ChatResponse;
import dev.switchboard.domain.ResumeStatus;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.Session;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.port.Clock;
import dev.switchboard.port.ConnectionGateway;
import dev.switchboard.port.ConnectionStore;
import dev.switchboard.port.MessageStore;
import dev.switchboard.port.Metrics;
import dev.switchboard.port.SessionStore;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.ProtocolCodec;
import dev.switchboard.protocol.ServerEvent;
import dev.switchboard.usecase.Broadcaster;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a turn ends: its answer (or the cancelled part of it) is stored with a conditional write, the session is
 * settled, {@code done} is sent and the turn's figures recorded; or, on its last delivery, the turn is given up and
 * its owner told.
 */
final class TurnCompletion {
    private static final Logger LOG = LoggerFactory.getLogger(TurnCompletion.class);
    /** The finish reason of a turn stopped because the user's daily token budget is spent (docs/protocol.md). */
    static final String BUDGET_EXHAUSTED = "BUDGET_EXHAUSTED";

    private final MessageStore messages;
    private final SessionStore sessions;
    private final ConnectionStore connections;
    private final ConnectionGateway gateway;
    private final ProtocolCodec codec;
    private final Clock clock;
    private final RunLease lease;
    private final AfterAnswer afterAnswer;
    private final Metrics metrics;

    TurnCompletion(MessageStore messages, SessionStore sessions, ConnectionStore connections, ConnectionGateway gateway,
                   ProtocolCodec codec, Clock clock, RunLease lease, AfterAnswer afterAnswer, Metrics metrics) {
        this.messages = messages;
        this.sessions = sessions;
        this.connections = connections;
        this.gateway = gateway;
        this.codec = codec;
        this.clock = clock;
        this.lease = lease;
        this.afterAnswer = afterAnswer;
        this.metrics = metrics;
    }

    /** How a turn that gets as far as its answer ends. */
    enum Ending {
        ANSWERED, CANCELLED,
        /** The user's daily token budget was spent before a model call (finish reason {@code BUDGET_EXHAUSTED}). */
        OUT_OF_BUDGET,
        /**
         * The run reached its maximum length or could not be handed on again (finish reason {@code RUN_TOO_LONG}):
         * what streamed is stored.
         */
        RUN_TOO_LONG
    }

    /** Stores the answer (the deltas are flushed: it is exactly what was streamed), settles the session, sends done. */
    TurnRunner.Outcome finish(RunningTurn turn, ChatResponse last, Ending ending, TokenCount tokens,
                              int toolCalls) {
        boolean cancelled = ending == Ending.CANCELLED;
        TurnRequest request = turn.request();
        TurnOutput output = turn.output();
        long now = clock.millis();
        TurnOutput.Streamed streamed = output.streamed();
        StoredMessage answer = new StoredMessage(request.userId(), request.sessionId(), request.turnId(), Role.ASSISTANT,
                streamed.text(), now, turn.model().name(), switch (ending) {
                    case ANSWERED -> null;
                    case CANCELLED -> StoredMessage.CANCELLED;
                    case OUT_OF_BUDGET -> StoredMessage.OUT_OF_BUDGET;
                    case RUN_TOO_LONG -> StoredMessage.RUN_TOO_LONG;
                }, null, streamed.marks());
        if (!messages.putIfAbsent(answer)) {
            LOG.warn("answer was stored by a concurrent delivery; done not sent twice");
            lease.release(request, turn.attempt());
            return TurnRunner.Outcome.ALREADY_ANSWERED;
        }
        // The answer is stored: from here on nothing may fail the turn (a retry would find it answered). Its last call's
        // tokens and its slot go in one write now, before done and the memory job (which may read the budget).
        turn.charge().endTurn();
        if (!settle(turn, now, cancelled ? ResumeStatus.CANCELLED : ResumeStatus.RUNNING)) {
            return TurnRunner.Outcome.TURN_GONE;
        }
        String finishReason = switch (ending) {
            case CANCELLED -> "CANCELLED";
            case OUT_OF_BUDGET -> BUDGET_EXHAUSTED;
            case RUN_TOO_LONG -> "RUN_TOO_LONG";
            case ANSWERED -> last == null || last.finishReason() == null ? "STOP" : last.finishReason().name();
        };
        long queued = Math.max(0, turn.started() - request.enqueuedAt());
        long firstDelta = output.firstDeltaAt() == 0 ? 0 : output.firstDeltaAt() - turn.started();
        output.send(new ServerEvent.Done(request.sessionId(), request.turnId(), output.seq(), turn.model().name(),
                turn.model().offline(), finishReason,
                new ServerEvent.Usage(tokens.input(), tokens.output(), tokens.total()),
                new ServerEvent.Timings(queued, firstDelta, now - turn.started(),
                        turn.handedOn() == null ? null : turn.handedOn().handoffs()),
                turn.context().sources().isEmpty() ? null : turn.context().sources(),
                turn.context().memories() == 0 ? null : turn.context().memories()));
        String outcome = switch (ending) {
            case ANSWERED -> "answered";
            case CANCELLED -> "cancelled";
            case OUT_OF_BUDGET -> "stopped: budget spent";
            case RUN_TOO_LONG -> "stopped: run too long";
        };
        LOG.info("turn {}: deltas={} toolCalls={} posts={}", outcome, output.seq(), toolCalls, output.posts());
        metrics.turn(new Metrics.TurnFigures(outcome, turn.model().name(), queued, firstDelta, now - turn.started(),
                tokens.input(), tokens.output(), toolCalls));
        if (ending != Ending.ANSWERED) {
            return switch (ending) {
                case CANCELLED -> TurnRunner.Outcome.CANCELLED;
                case RUN_TOO_LONG -> TurnRunner.Outcome.RUN_TOO_LONG;
                default -> TurnRunner.Outcome.OUT_OF_BUDGET;
            };
        }
        try {
            afterAnswer.answered(request, turn.model().id(), tokens.total(),
                    turn.dayTokensAtStart() < 0 ? -1 : turn.dayTokensAtStart() + tokens.total(),
                    turn.userJobsHeld());
        } catch (RuntimeException e) {
            LOG.warn("after-answer step failed: {}", e.getClass().getSimpleName());
        }
        return TurnRunner.Outcome.ANSWERED;
    }

    /**
     * Marks the turn settled and the session active (ending the run's claim). When the session was deleted while the
     * turn ran, the answer just stored would be an orphan: the session's items are deleted again and false is
     * returned (no done is sent).
     */
    private boolean settle(RunningTurn turn, long now, ResumeStatus status) {
        TurnRequest request = turn.request();
        try {
            Optional<Session> before = sessions.settle(request.userId(), request.sessionId(), request.turnId(), now);
            if (before.isPresent()) {
                // connections that asked to resume since the last poll get the rest now, and done with the others
                turn.output().serveResumes(before.get().resumes(), status);
                return true;
            }
            messages.deleteSession(request.userId(), request.sessionId());
            LOG.info("session was deleted during the turn; its answer was removed again");
            return false;
        } catch (RuntimeException e) {
            LOG.warn("could not mark the session active: {}", e.getClass().getSimpleName());
            return true;
        }
    }

    /** Best effort: tells the owner's connections that the turn is given up. */
    void givenUp(TurnRequest turn, int receiveCount) {
        try {
            new Broadcaster(connections.listByUser(turn.userId()), gateway, connections, codec)
                    .send(new ServerEvent.Error(ErrorCode.TURN_FAILED.name(),
                            "The answer to this message failed after " + receiveCount + " attempts", "sendMessage",
                            turn.sessionId(), turn.turnId(), turn.clientMessageId()));
            sessions.markSettled(turn.userId(), turn.sessionId(), turn.turnId(), clock.millis());
        } catch (RuntimeException e) {
            LOG.warn("could not send TURN_FAILED: {}", e.getClass().getSimpleName());
        }
        metrics.error(ErrorCode.TURN_FAILED.name());
    }
}
