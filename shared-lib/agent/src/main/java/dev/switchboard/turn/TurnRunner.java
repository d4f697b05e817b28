package dev.switchboard.turn;

import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.switchboard.agent.AgentFactory;
import dev.switchboard.agent.ModelChoice;
import dev.switchboard.agent.TurnContext;
import dev.switchboard.domain.ResumeStatus;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.RunCheckpoint;
import dev.switchboard.domain.RunClaim;
import dev.switchboard.domain.Session;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.port.Clock;
import dev.switchboard.port.ConnectionGateway;
import dev.switchboard.port.ConnectionStore;
import dev.switchboard.port.MessageStore;
import dev.switchboard.port.Metrics;
import dev.switchboard.port.SessionStore;
import dev.switchboard.port.TurnStanding;
import dev.switchboard.protocol.ProtocolCodec;
import dev.switchboard.protocol.ServerEvent;
import dev.switchboard.tools.ToolRegistry;
import dev.switchboard.usecase.Broadcaster;
import dev.switchboard.usecase.TurnLimits;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's use case for one turn: read the turn, its recent history and its tool calls, build the conversation
 * (session prompt, the user's context as data, history), then call the model in rounds: deltas are streamed to the
 * owner's live connections; tool calls are stored, run and streamed; a call that needs approval pauses the turn until
 * the user decides (a later {@code resume} delivery continues it). The answer is stored with a conditional write and
 * {@code done} is sent. A cancel recorded on the session stops the model stream within one poll interval; what was
 * streamed is stored, marked cancelled. A redelivered turn whose answer is stored is acknowledged without the model.
 * <p>
 * The parts: {@link RunLease} (the session's run claim), {@link TurnHistory}, {@link ModelStream} with its
 * {@link CancelPoll}, {@link ToolRounds}, {@link TurnOutput} (deltas and resumes) and {@link TurnCompletion} (answer,
 * done, figures).
 */
public final class TurnRunner {
    private static final Logger LOG = LoggerFactory.getLogger(TurnRunner.class);
    /**
     * The most kept back from the invocation's remaining time for storing the answer and sending done (a sixth of the
     * time left, between {@value #MIN_RESERVE_MILLIS} ms and this: 5 s of a 90 s timeout, 0.5 s of a 3 s one).
     */
    static final long MAX_RESERVE_MILLIS = 5_000;
    static final long MIN_RESERVE_MILLIS = 250;
    /** The least time the model gets: with less left after the reserve a turn is not started (the queue redelivers it). */
    static final long MIN_MODEL_MILLIS = 500;
    /** Below this much time left in the invocation a turn is not started. */
    static final long MIN_MILLIS_TO_START = MIN_RESERVE_MILLIS + MIN_MODEL_MILLIS;
    /**
     * A tool call starts only with this much time left before the deadline (the MCP call timeout), or half the
     * segment's time when that is less; else the run is handed on and the next invocation runs it.
     */
    static final long MAX_TOOL_MILLIS = ToolRegistry.MCP_CALL_TIMEOUT.toMillis();

    /**
     * What a delivery with {@code remainingMillis} left keeps back for storing its answer and sending done: its
     * deadline for the model and for waiting on another run is the invocation's end less this, while its run claim
     * holds until the invocation's end itself.
     */
    static long reserveMillis(long remainingMillis) {
        return Math.max(MIN_RESERVE_MILLIS, Math.min(MAX_RESERVE_MILLIS, remainingMillis / 6));
    }

    public enum Outcome {
        ANSWERED, ALREADY_ANSWERED, TURN_GONE, CANCELLED, AWAITING_APPROVAL, OUT_OF_BUDGET, RUN_TOO_LONG
    }

    private final MessageStore messages;
    private final SessionStore sessions;
    private final ConnectionStore connections;
    private final ConnectionGateway gateway;
    private final AgentFactory agents;
    private final ProtocolCodec codec;
    private final Clock clock;
    private final TurnSettings settings;
    private final RunLease lease;
    private final TurnHistory history;
    private final ModelStream stream;
    private final TurnCompletion completion;
    private final CancelPoll cancels;
    private final TurnLimits limits;
    private final TokenBudget budget;
    private final TurnStanding standings;

    public TurnRunner(MessageStore messages, SessionStore sessions, ConnectionStore connections,
                      ConnectionGateway gateway, AgentFactory agents, ProtocolCodec codec, Clock clock,
                      TurnSettings settings) {
        this(messages, sessions, connections, gateway, agents, codec, clock, settings, AfterAnswer.NONE);
    }

    public TurnRunner(MessageStore messages, SessionStore sessions, ConnectionStore connections,
                      ConnectionGateway gateway, AgentFactory agents, ProtocolCodec codec, Clock clock,
                      TurnSettings settings, AfterAnswer afterAnswer) {
        this(messages, sessions, connections, gateway, agents, codec, clock, settings, afterAnswer, Metrics.NONE);
    }

    public TurnRunner(MessageStore messages, SessionStore sessions, ConnectionStore connections,
                      ConnectionGateway gateway, AgentFactory agents, ProtocolCodec codec, Clock clock,
                      TurnSettings settings, AfterAnswer afterAnswer, Metrics metrics) {
        this(messages, sessions, connections, gateway, agents, codec, clock, settings, afterAnswer, metrics,
                TurnLimits.NONE);
    }

    /**
     * @param limits the user's daily token budget, asked before every model call and charged with each call's tokens,
     *               and the running-answer slot, released when the turn ends (however it ends)
     */
    public TurnRunner(MessageStore messages, SessionStore sessions, ConnectionStore connections,
                      ConnectionGateway gateway, AgentFactory agents, ProtocolCodec codec, Clock clock,
                      TurnSettings settings, AfterAnswer afterAnswer, Metrics metrics, TurnLimits limits) {
        this(messages, sessions, connections, gateway, agents, codec, clock, settings, afterAnswer, metrics, limits,
                null);
    }

    /**
     * @param standings reads the day's tokens and the knowledge version before the first model call in one request
     *                  (null: the budget and the version are read one after the other, as the limits and the
     *                  context source read them)
     */
    public TurnRunner(MessageStore messages, SessionStore sessions, ConnectionStore connections,
                      ConnectionGateway gateway, AgentFactory agents, ProtocolCodec codec, Clock clock,
                      TurnSettings settings, AfterAnswer afterAnswer, Metrics metrics, TurnLimits limits,
                      TurnStanding standings) {
        this.standings = standings;
        this.limits = limits;
        this.budget = new TokenBudget(limits, clock);
        this.messages = messages;
        this.sessions = sessions;
        this.connections = connections;
        this.gateway = gateway;
        this.agents = agents;
        this.codec = codec;
        this.clock = clock;
        this.settings = settings;
        this.lease = new RunLease(sessions, clock, settings.cancelPollMillis());
        this.history = new TurnHistory(messages, settings.historyWindow());
        this.stream = new ModelStream(settings.cancelPollMillis());
        this.cancels = new CancelPoll(sessions);
        this.completion = new TurnCompletion(messages, sessions, connections, gateway, codec, clock, lease, afterAnswer,
                metrics);
    }

    /** SnapStart priming (see {@link TurnPriming}). */
    public void prime() {
        TurnPriming.prime(agents, codec);
    }

    /** Failed deliveries after which a turn is given up (hand-offs do not count). */
    public int maxReceiveCount() {
        return settings.maxReceiveCount();
    }

    /**
     * @param receiveCount    how often the queue has delivered this turn (1 on the first delivery)
     * @param remainingMillis time left in this invocation; the model call is abandoned before it runs out
     * @throws TurnGivenUpException when the turn failed on its last attempt: the owner was sent {@code TURN_FAILED}
     * @throws RuntimeException     when the turn failed and should be delivered again
     */
    public Outcome run(TurnRequest turn, int receiveCount, long remainingMillis) {
        HeldCharge charge = new HeldCharge(budget, limits, clock, turn);
        Outcome outcome;
        try {
            outcome = answer(turn, receiveCount, remainingMillis, charge);
        } catch (TurnHeldException | TurnHandedOffException e) {
            throw e; // the turn goes on: its running-answer slot stays taken
        } catch (RuntimeException e) {
            int failures = failedDeliveries(turn, receiveCount);
            if (failures >= settings.maxReceiveCount() || receiveCount >= settings.queueMaxReceiveCount()) {
                completion.givenUp(turn, failures);
                charge.endTurn();
                throw new TurnGivenUpException("turn given up after " + failures + " failed deliveries", e);
            }
            throw e;
        } finally {
            charge.charge(); // a call still held when the run goes on elsewhere or failed (nothing once ended)
        }
        charge.endTurn(); // ended already when the turn stored its answer (see TurnCompletion)
        return outcome;
    }

    /**
     * The deliveries of a turn that failed, this one included: its receives less its hand-offs (read from its
     * checkpoint only when the count could reach the limit; unreadable, none are subtracted).
     */
    private int failedDeliveries(TurnRequest turn, int receiveCount) {
        if (receiveCount < settings.maxReceiveCount() || receiveCount <= 1 || !turn.runsTurn()) {
            return receiveCount;
        }
        try {
            return receiveCount - messages.checkpoint(turn.userId(), turn.sessionId(), turn.turnId())
                    .map(RunCheckpoint::handoffs).orElse(0);
        } catch (RuntimeException e) {
            LOG.warn("could not read the run's checkpoint: {}", e.getClass().getSimpleName());
            return receiveCount;
        }
    }

    private Outcome answer(TurnRequest request, int receiveCount, long remainingMillis, HeldCharge charge) {
        long started = clock.millis();
        long reserve = reserveMillis(remainingMillis);
        if (remainingMillis - reserve < MIN_MODEL_MILLIS) {
            throw new TurnFailedException("only " + remainingMillis + " ms left in this invocation", null);
        }
        List<StoredMessage> recent = history.recent(request);
        StoredMessage userMessage = StoredMessage.find(recent, request.turnId(), Role.USER);
        if (userMessage == null) {
            LOG.info("turn not found (session deleted?), acknowledged");
            return Outcome.TURN_GONE;
        }
        if (StoredMessage.find(recent, request.turnId(), Role.ASSISTANT) != null) {
            LOG.info("turn answered already, acknowledged without calling the model");
            return Outcome.ALREADY_ANSWERED;
        }
        RunClaim claim = lease.claim(request, started + remainingMillis, reserve);
        if (claim.status() == RunClaim.Status.GONE) {
            LOG.info("session gone, turn acknowledged");
            return Outcome.TURN_GONE;
        }
        try {
            if (claim.session().settled(request.turnId())) {
                // another run finished with the turn after the read above (answered it, paused it, or gave it up):
                // read again, or the turn would be answered twice
                recent = history.recent(request);
                if (StoredMessage.find(recent, request.turnId(), Role.ASSISTANT) != null) {
                    LOG.info("turn answered by the run that held it, acknowledged without calling the model");
                    lease.release(request, claim.attempt());
                    return Outcome.ALREADY_ANSWERED;
                }
            }
            // a run handed on by an earlier invocation left its checkpoint; a first delivery has none
            Optional<RunCheckpoint> handedOn = receiveCount <= 1 || !request.runsTurn() ? Optional.empty()
                    : messages.checkpoint(request.userId(), request.sessionId(), request.turnId());
            return claimed(request, receiveCount, started, started + remainingMillis - reserve, recent,
                    userMessage, claim, handedOn.orElse(null), charge);
        } catch (RuntimeException e) {
            lease.release(request, claim.attempt());
            throw e;
        }
    }

    private Outcome claimed(TurnRequest request, int receiveCount, long started, long deadline,
                            List<StoredMessage> recent, StoredMessage userMessage, RunClaim claim,
                            RunCheckpoint checkpoint, HeldCharge charge) {
        Session session = claim.session();
        // a turn's tool calls exist only once a delivery got as far as the model: a first delivery of a new turn has
        // none, so the Query is saved on the common path
        List<StoredMessage> steps = request.kind() == null && receiveCount <= 1 ? List.of()
                : messages.toolCalls(request.userId(), request.sessionId(), request.turnId(), request.turnId());
        // the run's earlier segments (their start, hand-offs and tokens count on) and, when the checkpoint holds what
        // clients have, where this segment continues the stream from
        RunCheckpoint prior = checkpoint;
        RunCheckpoint handedOn = checkpoint;
        if (handedOn != null && !TurnOutput.covers(handedOn, steps)) {
            // a segment after the checkpoint stored tool calls and died: the stream restarts from those calls
            LOG.info("checkpoint older than the turn's tool calls, not continued from");
            handedOn = null;
        }
        if (ToolRounds.awaitingDecision(steps) && !session.cancelled(request.turnId())) {
            LOG.info("turn waits for the user's tool decision, acknowledged");
            lease.release(request, claim.attempt());
            return Outcome.AWAITING_APPROVAL;
        }
        ModelChoice model = agents.models().forSession(session.model());
        Broadcaster out = new Broadcaster(connections.listByUser(request.userId()), gateway, connections, codec);
        // the day's tokens (for the first model call's budget check) and the knowledge version, in one read
        TurnStanding.Standing standing = standings == null ? null : standings.read(request.userId(), clock.millis());
        TurnContext context = standing == null ? agents.context(request.userId(), userMessage.text())
                : agents.context(request.userId(), userMessage.text(), standing.knowledgeVersion());
        history.supersedeReplaced(userMessage);
        List<ChatMessage> conversation = agents.conversation(session.systemPrompt(), context,
                history.earlierTurns(recent, userMessage), userMessage.text());
        // a segment that took the run after the checkpoint's and ended without one of its own (its worker died or it
        // failed) may have streamed past it: this run restarts from the checkpoint, under its own attempt
        boolean restartsHandedOn = handedOn != null && !handedOn.continuedBy(claim.attempt());
        if (restartsHandedOn) {
            handedOn = handedOn.restartedAs(claim.attempt());
        }
        TurnOutput output = new TurnOutput(request, claim.attempt(), out, steps, clock, settings, handedOn);
        RunningTurn turn = new RunningTurn(request, model, context, output,
                prior == null ? started : prior.runStartedMillis(), deadline, claim.attempt(), prior,
                receiveCount, started, standing == null ? -1 : standing.tokensUsedToday(),
                standing == null ? null : standing.userJobsHeld(), charge);
        if (handedOn != null) {
            // the run goes on where its last invocation handed it over: clients keep what they have (after a dead
            // segment: up to the checkpoint, dropping what that segment streamed past it)
            LOG.info("run {} after hand-off {} from delta {}", restartsHandedOn ? "restarted" : "continued",
                    handedOn.handoffs(), handedOn.nextSeq());
            if (restartsHandedOn) {
                output.send(new ServerEvent.Restart(request.sessionId(), request.turnId(), handedOn.nextSeq(),
                        claim.attempt()));
            }
        } else if (claim.restarted()) {
            // an earlier run of this turn stopped part-way (its worker died or failed): clients drop what it streamed
            LOG.info("turn restarted from delta {} (run {})", output.firstSeq(), claim.attempt());
            output.send(new ServerEvent.Restart(request.sessionId(), request.turnId(), output.firstSeq(),
                    claim.attempt()));
        }
        output.serveResumes(session.resumes(), ResumeStatus.RUNNING);
        if (handedOn != null) {
            output.serveNewConnections();
        }
        ToolRounds tools = new ToolRounds(messages, agents.tools(), clock, request, output, conversation, steps);
        Outcome outcome;
        if (session.cancelled(request.turnId())) {
            // a cancel during a hand-off ends the run here too: the text streamed before it is stored, cancelled
            outcome = completion.finish(turn, null, TurnCompletion.Ending.CANCELLED, tokensBefore(prior),
                    tools.calls());
        } else {
            try {
                outcome = rounds(turn, conversation, tools, standing);
            } catch (RuntimeException e) {
                output.close(); // a stream still running must not reach clients after the failure
                throw e;
            }
        }
        if (checkpoint != null) {
            try {
                messages.clearCheckpoint(request.userId(), request.sessionId(), request.turnId());
            } catch (RuntimeException e) {
                // the turn is settled: a later delivery finds it answered before it reads the checkpoint
                LOG.warn("could not clear the run's checkpoint: {}", e.getClass().getSimpleName());
            }
        }
        return outcome;
    }

    /**
     * The model's rounds: each streamed; its tool calls run (or pause the turn) until the model answers.
     *
     * @param standing the user's day's tokens read as the turn began (null: not read), the first call's budget check
     *                 unless tools ran before it
     */
    private Outcome rounds(RunningTurn turn, List<ChatMessage> conversation, ToolRounds tools,
                           TurnStanding.Standing standing) {
        TurnRequest request = turn.request();
        TurnOutput output = turn.output();
        TokenCount tokens = tokensBefore(turn.handedOn());
        if (!tools.catchUp(() -> timeForTool(turn))) {
            return outOfSegment(turn, null, tokens, tools);
        }
        boolean afterTools = tools.ranInCatchUp();
        ChatResponse last = null;
        for (int call = 0; ; call++) {
            boolean budgetLeft = call == 0 && !afterTools && standing != null ? budget.left(standing)
                    : budget.left(request.userId());
            if (!budgetLeft) {
                LOG.info("the user's daily token budget is spent: turn stopped before model call {}", call);
                return completion.finish(turn, last, TurnCompletion.Ending.OUT_OF_BUDGET, tokens, tools.calls());
            }
            // the run's maximum length ends this segment early when it comes first; a run is handed on at the deadline
            // only within its hand-off limit and while the queue will deliver the record again (each hand-off spends
            // a receive); past those it ends as RUN_TOO_LONG with what it streamed
            long runEnd = runEnd(turn);
            boolean runEnds = runEnd <= turn.deadline();
            long deadline = Math.min(turn.deadline(), runEnd);
            if (runEnds && deadline <= clock.millis()) {
                LOG.info("the run reached its maximum length before model call {}", call);
                return completion.finish(turn, last, TurnCompletion.Ending.RUN_TOO_LONG, tokens, tools.calls());
            }
            // after a tool round, a model call that could not start streaming before the deadline is not begun
            if ((call > 0 || afterTools) && !runEnds && deadline - clock.millis() < minCallMillis(turn)
                    && mayHandOn(turn)) {
                return handOff(turn, tokens);
            }
            ModelStream.AtDeadline atDeadline = runEnds ? ModelStream.AtDeadline.STOP
                    : ModelStream.AtDeadline.STOP_IF_STREAMING;
            List<ToolSpecification> specs = tools.round() < settings.maxToolRounds()
                    ? agents.tools().specifications() : List.of();
            // a round cut by a hand-off goes on from its text so far: the model is asked to continue it
            String roundSoFar = output.roundText();
            List<ChatMessage> asked = roundSoFar.isEmpty() ? conversation
                    : AgentFactory.continuation(conversation, roundSoFar);
            // the call's identity: this run of the turn (a redelivery is another run) and the call within the run
            String callId = request.turnId() + "#" + turn.attempt() + "#" + call;
            ModelStream.Result streamed = stream.stream(turn.model().model(), ModelStream.request(asked, specs),
                    request.turnId(), deadline - clock.millis(), output::add, () -> cancels.cancelled(turn),
                    spent -> turn.charge().hold(callId, spent), atDeadline);
            output.flush();
            tokens = tokens.plus(streamed.tokens());
            if (streamed.outOfTime()) {
                if (!runEnds && mayHandOn(turn)) {
                    return handOff(turn, tokens);
                }
                LOG.info("the run reached its maximum length or hand-offs: stopped at delta {}", output.seq());
                return completion.finish(turn, last, TurnCompletion.Ending.RUN_TOO_LONG, tokens, tools.calls());
            }
            if (streamed.cancelled()) {
                return completion.finish(turn, last, TurnCompletion.Ending.CANCELLED, tokens, tools.calls());
            }
            last = streamed.response();
            AiMessage ai = last.aiMessage();
            // past the last tool round the model was offered no tools: a tool call it makes anyway is not run
            if (ai == null || !ai.hasToolExecutionRequests() || tools.round() >= settings.maxToolRounds()) {
                return completion.finish(turn, last, TurnCompletion.Ending.ANSWERED, tokens, tools.calls());
            }
            // not the last call: charged before its tools run (other turns ask the budget meanwhile, and the next call's
            // check must see it)
            turn.charge().charge();
            ToolRounds.Round round = tools.run(ai, output.takeRoundText(), () -> timeForTool(turn));
            if (round == ToolRounds.Round.PAUSE) {
                sessions.settle(request.userId(), request.sessionId(), request.turnId(), clock.millis())
                        .ifPresent(before -> output.serveResumes(before.resumes(), ResumeStatus.STOPPED));
                LOG.info("turn paused for the user's approval: deltas={}", output.seq());
                return Outcome.AWAITING_APPROVAL;
            }
            if (round == ToolRounds.Round.HAND_OFF) {
                return outOfSegment(turn, last, tokens, tools);
            }
        }
    }

    /**
     * Tool calls are left that there is no time for in this segment: the run is handed on when it may be, else it
     * ends as RUN_TOO_LONG with what it streamed (the calls left stay approved, never run).
     */
    private Outcome outOfSegment(RunningTurn turn, ChatResponse last, TokenCount tokens, ToolRounds tools) {
        if (runEnd(turn) > turn.deadline() && mayHandOn(turn)) {
            return handOff(turn, tokens);
        }
        LOG.info("the run reached its maximum length or hand-offs with tool calls left: stopped at delta {}",
                turn.output().seq());
        return completion.finish(turn, last, TurnCompletion.Ending.RUN_TOO_LONG, tokens, tools.calls());
    }

    /**
     * Whether a tool call may start now: with {@link #MAX_TOOL_MILLIS} (or half the segment) left before the
     * deadline, or the run's end when that comes first.
     */
    private boolean timeForTool(RunningTurn turn) {
        long toolMillis = Math.min(MAX_TOOL_MILLIS, turn.segmentMillis() / 2);
        long end = Math.min(turn.deadline(), runEnd(turn));
        return end - clock.millis() >= toolMillis;
    }

    /**
     * The least time a model call after a tool round is begun with: the gap within which a stream counts as still
     * streaming at the deadline ({@link ModelStream#HANDOFF_MAX_GAP_MILLIS}), or a quarter of the segment when less.
     */
    private static long minCallMillis(RunningTurn turn) {
        return Math.min(ModelStream.HANDOFF_MAX_GAP_MILLIS, turn.segmentMillis() / 4);
    }

    /** When the run reaches RUN_MAX_SECONDS, counted from its first segment's start. */
    private long runEnd(RunningTurn turn) {
        return turn.started() + settings.runMaxMillis();
    }

    /** The tokens the run's earlier segments were charged (none for a run not handed on). */
    private static TokenCount tokensBefore(RunCheckpoint handedOn) {
        return handedOn == null ? TokenCount.NONE
                : new TokenCount((int) handedOn.inputTokens(), (int) handedOn.outputTokens());
    }

    /** How often the run was handed on before this segment. */
    private static int handoffsBefore(RunningTurn turn) {
        return turn.handedOn() == null ? 0 : turn.handedOn().handoffs();
    }

    /** Whether the run may be handed on once more: within RUN_MAX_HANDOFFS, and not on the queue's last receive. */
    private boolean mayHandOn(RunningTurn turn) {
        return handoffsBefore(turn) < settings.maxHandoffs() && turn.receiveCount() < settings.queueMaxReceiveCount();
    }

    /**
     * The deadline came while the model streamed, or before a model call or tool call could start: the text so far
     * (flushed, exactly what clients have) is saved as the run's checkpoint, the claim released, and the record handed
     * back to the queue for the next invocation (tool calls left for it are stored approved).
     */
    private Outcome handOff(RunningTurn turn, TokenCount tokens) {
        TurnRequest request = turn.request();
        TurnOutput.Streamed streamed = turn.output().streamed();
        int handoffs = handoffsBefore(turn) + 1;
        messages.saveCheckpoint(new RunCheckpoint(request.userId(), request.sessionId(), request.turnId(),
                streamed.text(), streamed.marks(), handoffs, turn.started(), tokens.input(), tokens.output(),
                turn.attempt(), turn.output().reached()));
        LOG.info("run handed off ({}) at delta {}", handoffs, streamed.marks().deltas());
        throw new TurnHandedOffException("handed off at the invocation's deadline (" + handoffs + ")");
    }
}
