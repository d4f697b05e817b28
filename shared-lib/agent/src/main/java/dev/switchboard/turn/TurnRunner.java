package dev.switchboard.turn;

import dev.langchain4j.data.message.ChatMessage;
import dev.switchboard.usecase.Broadcaster;
import dev.switchboard.usecase.Replay;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;
import dev.langchain4j.model.output.TokenUsage;
import dev.switchboard.agent.AgentFactory;
import dev.switchboard.agent.ModelChoice;
import dev.switchboard.agent.TurnContext;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.Connection;
import dev.switchboard.domain.ResumeRequest;
import dev.switchboard.domain.RunClaim;
import dev.switchboard.domain.StreamMarks;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.Session;
import dev.switchboard.domain.ToolCall;
import dev.switchboard.domain.ToolStatus;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.port.Metrics;
import dev.switchboard.port.Clock;
import dev.switchboard.port.ConnectionGateway;
import dev.switchboard.port.ConnectionStore;
import dev.switchboard.port.MessageStore;
import dev.switchboard.port.SessionStore;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.ProtocolCodec;
import dev.switchboard.protocol.ServerEvent;
import dev.switchboard.tools.AgentTool;
import dev.switchboard.tools.ToolContext;
import dev.switchboard.tools.ToolException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's use case for one turn: read the turn, its recent history and its tool calls, build the conversation
 * (session prompt, the user's context as data, history), then call the model in rounds: deltas are streamed to the
 * owner's live connections; tool calls are stored, run and streamed; a call that needs approval pauses the turn until
 * the user decides (a later {@code resume} delivery continues it). The answer is stored with a conditional write and
 * {@code done} is sent. A cancel recorded on the session stops the model stream within one poll interval; what was
 * streamed is stored, marked cancelled. A redelivered turn whose answer is stored is acknowledged without the model.
 */
public final class TurnRunner {
    private static final Logger LOG = LoggerFactory.getLogger(TurnRunner.class);
    private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9._:\\-]{1,64}");
    /** Tool results longer than this are cut (they travel in one event frame and back to the model). */
    static final int MAX_TOOL_RESULT_CHARS = 8_000;
    static final String UNKNOWN_RESULT = "The outcome of this tool call is unknown (the worker running it stopped); "
            + "it was not run again.";

    public enum Outcome { ANSWERED, ALREADY_ANSWERED, TURN_GONE, CANCELLED, AWAITING_APPROVAL }

    /**
     * @param flushMillis    the wait after the first delta; each later wait doubles, up to {@code maxFlushMillis}
     *                       (DELTA_FLUSH_MILLIS, DELTA_FLUSH_MAX_MILLIS)
     */
    public record Settings(int historyWindow, long flushMillis, long maxFlushMillis, int maxDeltaBytes,
                           int maxReceiveCount, long cancelPollMillis, int maxToolRounds) {
        public Settings {
            if (flushMillis < 0 || flushMillis > 10_000) {
                throw new IllegalStateException("DELTA_FLUSH_MILLIS must be from 0 to 10000, got " + flushMillis);
            }
            if (maxFlushMillis < flushMillis || maxFlushMillis > 10_000) {
                throw new IllegalStateException("DELTA_FLUSH_MAX_MILLIS must be from DELTA_FLUSH_MILLIS (" + flushMillis
                        + ") to 10000, got " + maxFlushMillis);
            }
            if (maxDeltaBytes < 64 || maxDeltaBytes > 4096) {
                throw new IllegalStateException("DELTA_MAX_BYTES must be from 64 to 4096, got " + maxDeltaBytes);
            }
            if (historyWindow < 0 || historyWindow > 200) {
                throw new IllegalStateException("HISTORY_WINDOW must be from 0 to 200, got " + historyWindow);
            }
            if (cancelPollMillis < 50 || cancelPollMillis > 5_000) {
                throw new IllegalStateException("CANCEL_POLL_MILLIS must be from 50 to 5000, got " + cancelPollMillis);
            }
            if (maxToolRounds < 0 || maxToolRounds > 20) {
                throw new IllegalStateException("MAX_TOOL_ROUNDS must be from 0 to 20, got " + maxToolRounds);
            }
        }

        /** A fixed delta interval: every wait is {@code flushMillis}. */
        public Settings(int historyWindow, long flushMillis, int maxDeltaBytes, int maxReceiveCount,
                        long cancelPollMillis, int maxToolRounds) {
            this(historyWindow, flushMillis, flushMillis, maxDeltaBytes, maxReceiveCount, cancelPollMillis,
                    maxToolRounds);
        }

        public Settings(int historyWindow, long flushMillis, int maxDeltaBytes, int maxReceiveCount) {
            this(historyWindow, flushMillis, maxDeltaBytes, maxReceiveCount, 250, 5);
        }
    }

    /** A turn that failed; the queue redelivers it, and after the last receive it goes to the dead-letter queue. */
    public static final class TurnFailedException extends RuntimeException {
        public TurnFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Another live run holds the turn's session (a delivery that came back while its first delivery still runs): this
     * delivery neither runs the turn nor counts as its failure; the queue delivers it again later.
     */
    public static final class TurnHeldException extends RuntimeException {
        public TurnHeldException(String message) {
            super(message);
        }
    }

    /** After a turn is answered (not cancelled): e.g. queue the memory update. Must not throw into the turn. */
    @FunctionalInterface
    public interface AfterAnswer {
        /** @param tokens the input and output tokens the turn's model calls used */
        void answered(TurnRequest turn, int tokens);

        AfterAnswer NONE = (turn, tokens) -> { };
    }

    private final MessageStore messages;
    private final SessionStore sessions;
    private final ConnectionStore connections;
    private final ConnectionGateway gateway;
    private final AgentFactory agents;
    private final ProtocolCodec codec;
    private final Clock clock;
    private final Settings settings;
    private final AfterAnswer afterAnswer;
    private final Metrics metrics;

    public TurnRunner(MessageStore messages, SessionStore sessions, ConnectionStore connections,
                      ConnectionGateway gateway, AgentFactory agents, ProtocolCodec codec, Clock clock,
                      Settings settings, AfterAnswer afterAnswer) {
        this(messages, sessions, connections, gateway, agents, codec, clock, settings, afterAnswer, Metrics.NONE);
    }

    public TurnRunner(MessageStore messages, SessionStore sessions, ConnectionStore connections,
                      ConnectionGateway gateway, AgentFactory agents, ProtocolCodec codec, Clock clock,
                      Settings settings, AfterAnswer afterAnswer, Metrics metrics) {
        this.metrics = metrics;
        this.messages = messages;
        this.sessions = sessions;
        this.connections = connections;
        this.gateway = gateway;
        this.agents = agents;
        this.codec = codec;
        this.clock = clock;
        this.settings = settings;
        this.afterAnswer = afterAnswer;
    }

    public TurnRunner(MessageStore messages, SessionStore sessions, ConnectionStore connections,
                      ConnectionGateway gateway, AgentFactory agents, ProtocolCodec codec, Clock clock,
                      Settings settings) {
        this(messages, sessions, connections, gateway, agents, codec, clock, settings, AfterAnswer.NONE);
    }

    /**
     * SnapStart priming: builds a conversation and a model request (loading langchain4j's request classes and the
     * model clients' builders), and writes each streamed event type once, without calling a model or AWS.
     */
    public void prime() {
        var conversation = agents.conversation(null, TurnContext.EMPTY, List.of(), "priming");
        request(conversation, agents.tools().specifications());
        codec.write(new ServerEvent.Delta("priming", "priming", 0, "priming"));
        codec.write(new ServerEvent.ToolCallEvent("priming", "priming", "c", "priming", "{}"));
        codec.write(new ServerEvent.ToolResult("priming", "priming", "c", "priming", ToolStatus.DONE, "priming"));
        codec.write(new ServerEvent.ApprovalRequired("priming", "priming", "c", "priming", "{}"));
        codec.write(new ServerEvent.Done("priming", "priming", 1, agents.model().name(), agents.model().offline(),
                "STOP", new ServerEvent.Usage(0, 0, 0), new ServerEvent.Timings(0, 0, 0),
                List.of(new ServerEvent.Source("d", "t", 0, 0.5)), 1));
        codec.write(ServerEvent.Error.of(ErrorCode.TURN_FAILED, "priming"));
    }

    /** Deliveries after which a failed turn is given up (the queue's maxReceiveCount). */
    public int maxReceiveCount() {
        return settings.maxReceiveCount();
    }

    /** Kept back from the invocation's remaining time for storing the answer and sending done. */
    static final long RESERVE_MILLIS = 5_000;
    /** Below this much time left in the invocation a turn is not started (the queue redelivers it). */
    static final long MIN_MILLIS_TO_START = RESERVE_MILLIS + 1_000;

    /**
     * @param receiveCount    how often the queue has delivered this turn (1 on the first delivery)
     * @param remainingMillis time left in this invocation; the model call is abandoned before it runs out
     * @throws RuntimeException when the turn failed and should be delivered again; on the last delivery
     *                          ({@code receiveCount >= maxReceiveCount}) the owner is sent {@code TURN_FAILED} first
     */
    public Outcome run(TurnRequest turn, int receiveCount, long remainingMillis) {
        try {
            return answer(turn, receiveCount, remainingMillis);
        } catch (TurnHeldException e) {
            throw e;
        } catch (RuntimeException e) {
            if (receiveCount >= settings.maxReceiveCount()) {
                notifyFailed(turn, receiveCount);
                metrics.error(ErrorCode.TURN_FAILED.name());
            }
            throw e;
        }
    }

    /** One turn's state while it runs: the conversation so far and what was streamed. */
    private final class Turn {
        final TurnRequest request;
        final Session session;
        final ModelChoice model;
        final Broadcaster out;
        final DeltaBatcher batcher;
        final List<ChatMessage> conversation;
        final List<StoredMessage> steps;
        final StringBuilder text = new StringBuilder();
        final long started;
        final long deadline;
        /** This run's claim number (sent with each delta; a client gives it back in resume). */
        final long attempt;
        /** Every delta sent for the turn, concatenated (after a pause: the deltas before it first), and where each of
         * this run's deltas ends in it: what a resumed connection is replayed from. */
        final StringBuilder streamed = new StringBuilder();
        final List<Integer> ends = new ArrayList<>();
        final int firstSeq;
        final int firstOffset;
        final Set<ResumeRequest> served = new HashSet<>();
        int seq;
        long firstDeltaAt;
        int round;
        int inputTokens;
        int outputTokens;

        Turn(TurnRequest request, Session session, ModelChoice model, Broadcaster out,
             List<ChatMessage> conversation, List<StoredMessage> steps, long started,
             long deadline, long attempt) {
            this.attempt = attempt;
            this.request = request;
            this.session = session;
            this.model = model;
            this.out = out;
            this.conversation = conversation;
            this.steps = new ArrayList<>(steps);
            this.started = started;
            this.deadline = deadline;
            this.firstSeq = seqBase(steps);
            this.seq = firstSeq;
            this.streamed.append(roundTexts(steps));
            this.firstOffset = streamed.length();
            this.batcher = new DeltaBatcher(settings.flushMillis(), settings.maxFlushMillis(), settings.maxDeltaBytes(),
                    clock, DeltaBatcher.Timer.SYSTEM, piece -> {
                if (seq == 0 && firstDeltaAt == 0) {
                    firstDeltaAt = clock.millis();
                }
                streamed.append(piece);
                ends.add(streamed.length());
                out.send(new ServerEvent.Delta(request.sessionId(), request.turnId(), seq++, piece, attempt));
            });
        }

        /** How the deltas so far were streamed (call while holding the batcher's lock). */
        StreamMarks marks() {
            return new StreamMarks(attempt, firstSeq, firstOffset, ends);
        }

        ToolContext toolContext() {
            return new ToolContext(request.userId(), request.sessionId(), request.turnId());
        }
    }

    private Outcome answer(TurnRequest request, int receiveCount, long remainingMillis) {
        long started = clock.millis();
        if (remainingMillis < MIN_MILLIS_TO_START) {
            throw new TurnFailedException("only " + remainingMillis + " ms left in this invocation", null);
        }
        List<StoredMessage> recent = messages.recentUpTo(request.userId(), request.sessionId(), request.turnId(),
                settings.historyWindow() + 2);
        StoredMessage userMessage = StoredMessage.find(recent, request.turnId(), Role.USER);
        if (userMessage == null) {
            LOG.info("turn not found (session deleted?), acknowledged");
            return Outcome.TURN_GONE;
        }
        if (StoredMessage.find(recent, request.turnId(), Role.ASSISTANT) != null) {
            LOG.info("turn answered already, acknowledged without calling the model");
            return Outcome.ALREADY_ANSWERED;
        }
        RunClaim claim = claim(request, started + remainingMillis);
        if (claim.status() == RunClaim.Status.GONE) {
            LOG.info("session gone, turn acknowledged");
            return Outcome.TURN_GONE;
        }
        try {
            if (claim.session().settled(request.turnId())) {
                // another run finished with the turn after the read above (answered it, paused it, or gave it up):
                // read again, or the turn would be answered twice
                recent = messages.recentUpTo(request.userId(), request.sessionId(), request.turnId(),
                        settings.historyWindow() + 2);
                if (StoredMessage.find(recent, request.turnId(), Role.ASSISTANT) != null) {
                    LOG.info("turn answered by the run that held it, acknowledged without calling the model");
                    release(request, claim.attempt());
                    return Outcome.ALREADY_ANSWERED;
                }
            }
            return claimed(request, receiveCount, remainingMillis, started, recent, userMessage, claim);
        } catch (RuntimeException e) {
            release(request, claim.attempt());
            throw e;
        }
    }

    /**
     * Claims the session's run for the turn until this invocation's end. While another live run holds it (this
     * delivery came back before that run ended), waits until that run ends or its claim lapses; a wait that would
     * outlast this invocation gives up ({@link TurnHeldException}).
     */
    private RunClaim claim(TurnRequest request, long invocationEnd) {
        // the wait is bounded on the monotonic clock; claims compare wall-clock times (they are shared across workers)
        long waitEnd = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(invocationEnd - RESERVE_MILLIS - clock.millis());
        boolean waited = false;
        while (true) {
            long now = clock.millis();
            RunClaim claim = sessions.claimRun(request.userId(), request.sessionId(), request.turnId(), now,
                    invocationEnd);
            if (claim.status() != RunClaim.Status.HELD) {
                return claim;
            }
            long wait = Math.min(settings.cancelPollMillis(), Math.max(1, claim.heldUntil() - now + 1));
            if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(wait) > waitEnd) {
                throw new TurnHeldException("another run holds the session until " + claim.heldUntil());
            }
            if (!waited) {
                LOG.info("another run holds the session until {}; waiting for it", claim.heldUntil());
                waited = true;
            }
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TurnHeldException("interrupted while waiting for another run");
            }
        }
    }

    /** Best effort: a failed run lets the queue's next delivery claim the session at once. */
    private void release(TurnRequest request, long attempt) {
        try {
            sessions.releaseRun(request.userId(), request.sessionId(), attempt);
        } catch (RuntimeException e) {
            LOG.warn("could not release the run claim (it lapses by itself): {}", e.getClass().getSimpleName());
        }
    }

    private Outcome claimed(TurnRequest request, int receiveCount, long remainingMillis, long started,
                            List<StoredMessage> recent, StoredMessage userMessage, RunClaim claim) {
        Session session = claim.session();
        // a turn's tool calls exist only once a delivery got as far as the model: a first delivery of a new turn has
        // none, so the Query is saved on the common path
        List<StoredMessage> steps = request.kind() == null && receiveCount <= 1 ? List.of()
                : messages.toolCalls(request.userId(), request.sessionId(), request.turnId(), request.turnId());
        if (steps.stream().anyMatch(s -> ToolStatus.PENDING.equals(s.status())) && !session.cancelled(request.turnId())) {
            LOG.info("turn waits for the user's tool decision, acknowledged");
            release(request, claim.attempt());
            return Outcome.AWAITING_APPROVAL;
        }
        ModelChoice model = agents.models().forSession(session.model());
        Broadcaster out = new Broadcaster(connections.listByUser(request.userId()), gateway, connections, codec);
        TurnContext context = agents.context(request.userId(), userMessage.text());
        var conversation = agents.conversation(session.systemPrompt(), context, history(recent, request.turnId()),
                userMessage.text());
        Turn turn = new Turn(request, session, model, out, conversation, steps, started,
                started + remainingMillis - RESERVE_MILLIS, claim.attempt());
        if (claim.restarted()) {
            // an earlier run of this turn stopped part-way (its worker died or failed): clients drop what it streamed
            LOG.info("turn restarted from delta {} (run {})", turn.firstSeq, claim.attempt());
            out.send(new ServerEvent.Restart(request.sessionId(), request.turnId(), turn.firstSeq, claim.attempt()));
        }
        serveResumes(turn, session.resumes(), "running");
        if (session.cancelled(request.turnId())) {
            return finish(turn, context, null, true);
        }
        try {
            resumeSteps(turn);
            ChatResponse last = null;
            while (true) {
                List<ToolSpecification> specs = turn.round < settings.maxToolRounds()
                        ? agents.tools().specifications() : List.of();
                Streamed streamed = stream(turn, request(turn.conversation, specs));
                if (streamed.cancelled()) {
                    turn.batcher.finish();
                    return finish(turn, context, last, true);
                }
                last = streamed.response();
                count(turn, last.tokenUsage());
                AiMessage ai = last.aiMessage();
                // past the last tool round the model was offered no tools: a tool call it makes anyway is not run
                if (ai == null || !ai.hasToolExecutionRequests() || turn.round >= settings.maxToolRounds()) {
                    turn.batcher.finish();
                    return finish(turn, context, last, false);
                }
                turn.batcher.finish();
                if (toolRound(turn, ai)) {
                    sessions.settle(request.userId(), request.sessionId(), request.turnId(), clock.millis())
                            .ifPresent(before -> serveResumes(turn, before.resumes(), "stopped"));
                    LOG.info("turn paused for the user's approval: deltas={}", turn.seq);
                    return Outcome.AWAITING_APPROVAL;
                }
            }
        } catch (RuntimeException e) {
            turn.batcher.close(); // a stream still running must not reach clients after the failure
            throw e;
        }
    }

    /** Stores the answer (or the cancelled part of it), settles the session and sends done. */
    private Outcome finish(Turn turn, TurnContext context, ChatResponse last, boolean cancelled) {
        TurnRequest request = turn.request;
        long now = clock.millis();
        // the answer is exactly what was streamed (the batcher is finished): resume offsets index into it
        String text;
        StreamMarks marks;
        synchronized (turn.batcher) {
            text = turn.streamed.toString();
            marks = turn.marks();
        }
        StoredMessage answer = new StoredMessage(request.userId(), request.sessionId(), request.turnId(), Role.ASSISTANT,
                text, now, turn.model.name(), cancelled ? StoredMessage.CANCELLED : null, null, marks);
        if (!messages.putIfAbsent(answer)) {
            LOG.warn("answer was stored by a concurrent delivery; done not sent twice");
            release(request, turn.attempt);
            return Outcome.ALREADY_ANSWERED;
        }
        // The answer is stored: from here on nothing may fail the turn (a retry would find it answered).
        if (!settle(turn, now, cancelled ? "cancelled" : "running")) {
            return Outcome.TURN_GONE;
        }
        String finishReason = cancelled ? "CANCELLED"
                : last == null || last.finishReason() == null ? "STOP" : last.finishReason().name();
        turn.out.send(new ServerEvent.Done(request.sessionId(), request.turnId(), turn.seq, turn.model.name(),
                turn.model.offline(), finishReason,
                new ServerEvent.Usage(turn.inputTokens, turn.outputTokens, turn.inputTokens + turn.outputTokens),
                new ServerEvent.Timings(Math.max(0, turn.started - request.enqueuedAt()),
                        turn.firstDeltaAt == 0 ? 0 : turn.firstDeltaAt - turn.started, now - turn.started),
                context.sources().isEmpty() ? null : context.sources(),
                context.memories() == 0 ? null : context.memories()));
        LOG.info("turn {}: deltas={} toolCalls={} posts={}", cancelled ? "cancelled" : "answered", turn.seq,
                turn.steps.size(), turn.out.posts());
        metrics.turn(new Metrics.TurnFigures(cancelled ? "cancelled" : "answered", turn.model.name(),
                Math.max(0, turn.started - request.enqueuedAt()),
                turn.firstDeltaAt == 0 ? 0 : turn.firstDeltaAt - turn.started, now - turn.started,
                turn.inputTokens, turn.outputTokens, turn.steps.size()));
        if (cancelled) {
            return Outcome.CANCELLED;
        }
        try {
            afterAnswer.answered(request, turn.inputTokens + turn.outputTokens);
        } catch (RuntimeException e) {
            LOG.warn("after-answer step failed: {}", e.getClass().getSimpleName());
        }
        return Outcome.ANSWERED;
    }

    // ---------------------------------------------------------------- tools

    /**
     * Brings a resumed turn up to date: runs approved calls (once: claimed with a compare-and-set), reports denied
     * ones, marks calls a dead worker left running as unknown, and rebuilds the conversation's tool rounds.
     */
    private void resumeSteps(Turn turn) {
        if (turn.steps.isEmpty()) {
            return;
        }
        // only the newest round can hold calls decided since the pause; earlier denials were reported before
        int lastRound = turn.steps.stream().mapToInt(s -> s.tool().round()).max().orElse(0);
        for (int i = 0; i < turn.steps.size(); i++) {
            StoredMessage step = turn.steps.get(i);
            StoredMessage settled = switch (step.status()) {
                case ToolStatus.APPROVED -> runClaimed(turn, step, ToolStatus.APPROVED);
                case ToolStatus.RUNNING -> transitionStep(step.withStatus(ToolStatus.FAILED, UNKNOWN_RESULT),
                        ToolStatus.RUNNING);
                default -> step;
            };
            if (settled != step) {
                turn.steps.set(i, settled);
                report(turn, settled);
            } else if (ToolStatus.DENIED.equals(step.status()) && step.tool().round() == lastRound) {
                report(turn, step);
            }
        }
        int currentRound = -1;
        List<ToolExecutionRequest> requests = new ArrayList<>();
        List<ToolExecutionResultMessage> results = new ArrayList<>();
        String roundText = null;
        for (StoredMessage step : turn.steps) {
            if (step.tool().round() != currentRound) {
                addRound(turn, roundText, requests, results);
                requests = new ArrayList<>();
                results = new ArrayList<>();
                currentRound = step.tool().round();
                roundText = step.tool().roundText();
            }
            requests.add(ToolExecutionRequest.builder().id(step.tool().toolCallId()).name(step.tool().name())
                    .arguments(step.tool().arguments()).build());
            results.add(ToolExecutionResultMessage.from(step.tool().toolCallId(), step.tool().name(), step.text()));
        }
        addRound(turn, roundText, requests, results);
        turn.round = currentRound + 1;
    }

    private static void addRound(Turn turn, String roundText, List<ToolExecutionRequest> requests,
                                 List<ToolExecutionResultMessage> results) {
        if (requests.isEmpty()) {
            return;
        }
        turn.conversation.add(roundText == null || roundText.isEmpty() ? AiMessage.from(requests)
                : AiMessage.from(roundText, requests));
        turn.conversation.addAll(results);
    }

    /**
     * Stores and handles one round of tool calls: calls needing approval are stored pending and announced; the others
     * run now. @return true when the turn must pause for approval
     */
    private boolean toolRound(Turn turn, AiMessage ai) {
        List<ToolExecutionRequest> requests = new ArrayList<>();
        List<StoredMessage> round = new ArrayList<>();
        String roundText = turn.text.toString();
        turn.text.setLength(0);
        int index = 0;
        for (ToolExecutionRequest r : ai.toolExecutionRequests()) {
            int step = turn.round * 100 + index++;
            String id = r.id() != null && CLIENT_ID.matcher(r.id()).matches() ? r.id() : "call-" + step;
            String arguments = r.arguments() == null || r.arguments().isBlank() ? "{}" : r.arguments();
            boolean approval = agents.tools().find(r.name()).isPresent() && agents.tools().needsApproval(r.name());
            StoredMessage stored = new StoredMessage(turn.request.userId(), turn.request.sessionId(),
                    turn.request.turnId(), Role.TOOL, "", clock.millis(), null,
                    approval ? ToolStatus.PENDING : ToolStatus.RUNNING,
                    new ToolCall(step, id, r.name(), arguments, index == 1 ? roundText : null, turn.seq));
            if (!messages.putIfAbsent(stored)) {
                throw new TurnFailedException("tool call " + step + " was stored by a concurrent delivery", null);
            }
            requests.add(ToolExecutionRequest.builder().id(id).name(r.name()).arguments(arguments).build());
            round.add(stored);
        }
        turn.conversation.add(roundText.isEmpty() ? AiMessage.from(requests) : AiMessage.from(roundText, requests));
        boolean pause = false;
        for (StoredMessage stored : round) {
            ToolCall call = stored.tool();
            LOG.info("tool call: {} ({})", call.name(), stored.status());
            if (ToolStatus.PENDING.equals(stored.status())) {
                turn.out.send(new ServerEvent.ApprovalRequired(turn.request.sessionId(), turn.request.turnId(),
                        call.toolCallId(), call.name(), call.arguments()));
                pause = true;
                turn.steps.add(stored);
            } else {
                turn.out.send(new ServerEvent.ToolCallEvent(turn.request.sessionId(), turn.request.turnId(),
                        call.toolCallId(), call.name(), call.arguments()));
                StoredMessage done = runClaimed(turn, stored, null);
                report(turn, done);
                turn.steps.add(done);
                turn.conversation.add(ToolExecutionResultMessage.from(call.toolCallId(), call.name(), done.text()));
            }
        }
        turn.round++;
        return pause;
    }

    /**
     * Runs a tool call. An approved call is first claimed (approved → running) so it runs once even when deliveries
     * race; {@code claimFrom} null means the call was stored as running by this worker.
     */
    private StoredMessage runClaimed(Turn turn, StoredMessage step, String claimFrom) {
        if (claimFrom != null) {
            StoredMessage running = step.withStatus(ToolStatus.RUNNING, "");
            if (!messages.transition(running, claimFrom)) {
                throw new TurnFailedException("tool call " + step.tool().step() + " was claimed by another delivery",
                        null);
            }
            step = running;
        }
        String status;
        String result;
        Optional<AgentTool> tool = agents.tools().find(step.tool().name());
        if (tool.isEmpty()) {
            status = ToolStatus.FAILED;
            result = "No tool named '" + step.tool().name() + "' is available.";
        } else {
            try {
                result = tool.get().execute(turn.toolContext(), step.tool().arguments());
                status = ToolStatus.DONE;
            } catch (ToolException e) {
                status = ToolStatus.FAILED;
                result = "Error: " + e.getMessage();
            } catch (RuntimeException e) {
                LOG.warn("tool {} failed: {}", step.tool().name(), e.getClass().getSimpleName());
                status = ToolStatus.FAILED;
                result = "Error: the tool failed (" + e.getClass().getSimpleName() + ")";
            }
        }
        return transitionStep(step.withStatus(status, cap(Objects.requireNonNullElse(result, ""))),
                ToolStatus.RUNNING);
    }

    private StoredMessage transitionStep(StoredMessage next, String expected) {
        if (!messages.transition(next, expected)) {
            throw new TurnFailedException("tool call " + next.tool().step() + " changed under this delivery", null);
        }
        return next;
    }

    private void report(Turn turn, StoredMessage step) {
        turn.out.send(new ServerEvent.ToolResult(turn.request.sessionId(), turn.request.turnId(),
                step.tool().toolCallId(), step.tool().name(), step.status(), step.text()));
    }

    private static String cap(String result) {
        return result.length() <= MAX_TOOL_RESULT_CHARS ? result
                : result.substring(0, result.offsetByCodePoints(0,
                        result.codePointCount(0, MAX_TOOL_RESULT_CHARS - 1))) + "…";
    }

    // ---------------------------------------------------------------- model

    private static ChatRequest request(List<ChatMessage> conversation,
                                       List<ToolSpecification> specs) {
        ChatRequest.Builder b = ChatRequest.builder().messages(conversation);
        if (!specs.isEmpty()) {
            b.toolSpecifications(specs);
        }
        return b.build();
    }

    private record Streamed(ChatResponse response, boolean cancelled) {}

    /**
     * One streamed model call. The model runs on its own virtual thread; this thread waits for it and, every poll
     * interval, reads the session to see whether the turn was cancelled; on a cancel the model stream is closed.
     */
    private Streamed stream(Turn turn, ChatRequest request) {
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        StreamingHandle[] handle = new StreamingHandle[1];
        boolean[] stopped = {false};
        StreamingChatResponseHandler handler = new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
                synchronized (stopped) {
                    handle[0] = context.streamingHandle();
                    if (stopped[0]) {
                        context.streamingHandle().cancel();
                        return;
                    }
                    accept(turn, partial.text());
                }
            }

            @Override
            public void onPartialResponse(String partial) {
                synchronized (stopped) {
                    if (!stopped[0]) {
                        accept(turn, partial);
                    }
                }
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        };
        Thread.ofVirtual().name("model-" + turn.request.turnId()).start(() -> {
            try {
                turn.model.model().chat(request, handler);
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        // the wait is measured on the monotonic clock: the turn's deadline less the time already spent
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(1, turn.deadline - clock.millis()));
        while (true) {
            long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
            if (left <= 0) {
                stop(stopped, handle);
                throw new TurnFailedException("model did not finish before the invocation's deadline", null);
            }
            try {
                return new Streamed(done.get(Math.min(left, settings.cancelPollMillis()), TimeUnit.MILLISECONDS),
                        false);
            } catch (ExecutionException e) {
                throw new TurnFailedException("model failed: " + e.getCause().getClass().getSimpleName(), e.getCause());
            } catch (TimeoutException e) {
                if (cancelRequested(turn)) {
                    stop(stopped, handle);
                    LOG.info("turn cancelled by the user; model stream closed");
                    return new Streamed(null, true);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stop(stopped, handle);
                throw new TurnFailedException("interrupted", e);
            }
        }
    }

    private static void stop(boolean[] stopped, StreamingHandle[] handle) {
        synchronized (stopped) {
            stopped[0] = true;
            if (handle[0] != null) {
                handle[0].cancel();
            }
        }
    }

    private void accept(Turn turn, String piece) {
        if (piece == null || piece.isEmpty()) {
            return;
        }
        turn.text.append(piece);
        turn.batcher.add(piece);
    }

    /** The poll while the model streams: reads the session once for a cancel and for connections asking to resume. */
    private boolean cancelRequested(Turn turn) {
        try {
            Optional<Session> session = sessions.get(turn.request.userId(), turn.request.sessionId());
            session.ifPresent(s -> serveResumes(turn, s.resumes(), "running"));
            return session.map(s -> s.cancelled(turn.request.turnId())).orElse(true);
        } catch (RuntimeException e) {
            LOG.warn("could not check for a cancel: {}", e.getClass().getSimpleName());
            return false;
        }
    }

    /**
     * Sends each connection that asked to resume this turn (and was not served yet) what it missed, and streams the
     * rest of the turn to it too. Done under the batcher's lock, so no delta falls between the replay and the stream.
     */
    private void serveResumes(Turn turn, List<ResumeRequest> requests, String status) {
        for (ResumeRequest r : requests) {
            if (!r.turnId().equals(turn.request.turnId()) || !turn.served.add(r)) {
                continue;
            }
            synchronized (turn.batcher) {
                List<ServerEvent.Resumed> frames = Replay.frames(turn.request.sessionId(), turn.request.turnId(),
                        turn.streamed.toString(), turn.marks(), r.lastSeq(), r.attempt(), status, Replay.PUSH_BYTES);
                boolean joined = turn.out.join(new Connection(turn.request.userId(), r.connectionId(), 0, 0), frames);
                LOG.info("resumed connection {} from delta {}: {}", r.connectionId(), frames.getFirst().fromSeq(),
                        joined ? "streaming on" : "gone");
            }
        }
    }

    private static int seqBase(List<StoredMessage> steps) {
        return steps.stream().mapToInt(s -> s.tool().seqBase()).max().orElse(0);
    }

    private static String roundTexts(List<StoredMessage> steps) {
        StringBuilder b = new StringBuilder();
        for (StoredMessage s : steps) {
            if (s.tool().roundText() != null) {
                b.append(s.tool().roundText());
            }
        }
        return b.toString();
    }

    private static void count(Turn turn, TokenUsage usage) {
        if (usage != null) {
            turn.inputTokens += usage.inputTokenCount() == null ? 0 : usage.inputTokenCount();
            turn.outputTokens += usage.outputTokenCount() == null ? 0 : usage.outputTokenCount();
        }
    }

    // ---------------------------------------------------------------- helpers

    /**
     * The earlier turns the model sees: answered turns before this one, oldest first, at most the window. A user
     * message still waiting for its own answer (a turn that raced this one into the queue) is left out, and so is an
     * answer cancelled before it said anything.
     */
    private List<StoredMessage> history(List<StoredMessage> recent, String turnId) {
        Set<String> answered = new HashSet<>();
        for (StoredMessage m : recent) {
            if (m.role() == Role.ASSISTANT && !m.text().isEmpty()) {
                answered.add(m.turnId());
            }
        }
        List<StoredMessage> history = recent.stream()
                .filter(m -> m.turnId().compareTo(turnId) < 0 && answered.contains(m.turnId()))
                .toList();
        return history.size() <= settings.historyWindow() ? history
                : history.subList(history.size() - settings.historyWindow(), history.size());
    }

    /**
     * Marks the turn settled and the session active (ending the run's claim). When the session was deleted while the turn ran, the answer just
     * stored would be an orphan: the session's items are deleted again and false is returned (no done is sent).
     */
    private boolean settle(Turn running, long now, String status) {
        TurnRequest turn = running.request;
        try {
            Optional<Session> before = sessions.settle(turn.userId(), turn.sessionId(), turn.turnId(), now);
            if (before.isPresent()) {
                // connections that asked to resume since the last poll get the rest now, and done with the others
                serveResumes(running, before.get().resumes(), status);
                return true;
            }
            messages.deleteSession(turn.userId(), turn.sessionId());
            LOG.info("session was deleted during the turn; its answer was removed again");
            return false;
        } catch (RuntimeException e) {
            LOG.warn("could not mark the session active: {}", e.getClass().getSimpleName());
            return true;
        }
    }

    /** Best effort: tells the owner's connections that the turn is given up. */
    private void notifyFailed(TurnRequest turn, int receiveCount) {
        try {
            new Broadcaster(connections.listByUser(turn.userId()), gateway, connections, codec)
                    .send(new ServerEvent.Error(ErrorCode.TURN_FAILED.name(),
                            "The answer to this message failed after " + receiveCount + " attempts", "sendMessage",
                            turn.sessionId(), turn.turnId(), turn.clientMessageId()));
            sessions.markSettled(turn.userId(), turn.sessionId(), turn.turnId(), clock.millis());
        } catch (RuntimeException e) {
            LOG.warn("could not send TURN_FAILED: {}", e.getClass().getSimpleName());
        }
    }
}
