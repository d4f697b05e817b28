package dev.switchboard.usecase;

import dev.switchboard.domain.ToolCall;

import dev.switchboard.domain.BusyPolicy;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.Session;
import dev.switchboard.domain.ResumeStatus;
import dev.switchboard.domain.ToolStatus;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.port.Clock;
import dev.switchboard.port.MessageStore;
import dev.switchboard.port.SessionStore;
import dev.switchboard.port.TurnQueue;
import dev.switchboard.port.UserHoldings;
import dev.switchboard.protocol.ClientAction;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.ServerEvent;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session actions besides chatting: create and configure a session (model from the allow-list, system prompt,
 * busy policy), list the models, cancel a running turn, and approve or deny a tool call (which resumes the turn).
 * Every lookup is keyed by the caller's user id.
 */
public final class SessionControl {
    private static final Logger LOG = LoggerFactory.getLogger(SessionControl.class);

    private final SessionStore sessions;
    private final MessageStore messages;
    private final TurnQueue queue;
    private final ModelListing models;
    private final Clock clock;
    private final HoldingLimits holdings;

    public SessionControl(SessionStore sessions, MessageStore messages, TurnQueue queue,
                          ModelListing models, Clock clock) {
        this(sessions, messages, queue, models, clock, HoldingLimits.NONE);
    }

    /** @param holdings the cap on sessions per user and the per-minute limit on creating them */
    public SessionControl(SessionStore sessions, MessageStore messages, TurnQueue queue,
                          ModelListing models, Clock clock, HoldingLimits holdings) {
        this.holdings = holdings;
        this.sessions = sessions;
        this.messages = messages;
        this.queue = queue;
        this.models = models;
        this.clock = clock;
    }

    public ServerEvent.Models listModels() {
        return new ServerEvent.Models(models.models(), models.defaultModel());
    }

    public ServerEvent create(String userId, ClientAction.CreateSession c) {
        Optional<ServerEvent> refused = checkModel(c.action(), c.sessionId(), c.model());
        if (refused.isPresent()) {
            return refused.get();
        }
        long now = clock.millis();
        String sessionId = c.sessionId() != null ? c.sessionId() : "s-" + UUID.randomUUID();
        Optional<Session> existing = c.sessionId() == null ? Optional.empty() : sessions.get(userId, sessionId);
        if (existing.isPresent()) {
            LOG.info("session found");
            return new ServerEvent.SessionInfo(summary(existing.get()));
        }
        NewSession created = createCounted(new Session(userId, sessionId,
                c.title() == null ? Session.UNTITLED : c.title(), now, now, blankToNull(c.model()),
                blankToNull(c.systemPrompt()), BusyPolicy.fromWire(c.busyPolicy()), null, null, null, null),
                c.action());
        if (created.refused() != null) {
            LOG.info("session refused: a per-user limit is reached");
            return created.refused();
        }
        LOG.info("session created or found");
        return new ServerEvent.SessionInfo(summary(created.session()));
    }

    /** The stored session, or why it was not created (then {@code session} is null). */
    record NewSession(Session session, ServerEvent refused) {}

    /**
     * Creates {@code candidate} unless a session with its id exists, counted against the user's session cap and
     * per-minute limit.
     */
    NewSession createCounted(Session candidate, String action) {
        Optional<ServerEvent> refused = takeSession(candidate.userId(), candidate.createdAtMillis(), action,
                candidate.sessionId());
        return refused.isPresent() ? new NewSession(null, refused.get()) : new NewSession(createTaken(candidate), null);
    }

    /** Counts a session about to be created against the user's cap and per-minute limit, or says why not. */
    Optional<ServerEvent> takeSession(String userId, long nowMillis, String action, String sessionId) {
        return holdings.take(userId, UserHoldings.Kind.SESSIONS, nowMillis, action, sessionId);
    }

    /**
     * Creates {@code candidate} (its count {@linkplain #takeSession taken}) unless a session with its id exists; gives
     * the count back when it existed already (a racing create counted it) or the write failed.
     */
    Session createTaken(Session candidate) {
        Session stored;
        try {
            stored = sessions.createIfAbsent(candidate);
        } catch (RuntimeException e) {
            releaseSession(candidate.userId());
            throw e;
        }
        if (stored.createdAtMillis() != candidate.createdAtMillis()) {
            releaseSession(candidate.userId());
        }
        return stored;
    }

    /** Gives back a session's count (it was deleted, or taken for a session that was not created). */
    void releaseSession(String userId) {
        holdings.release(userId, UserHoldings.Kind.SESSIONS, 1);
    }

    public ServerEvent update(String userId, ClientAction.UpdateSession u) {
        Optional<ServerEvent> refused = checkModel(u.action(), u.sessionId(), u.model());
        if (refused.isPresent()) {
            return refused.get();
        }
        return sessions.update(userId, u.sessionId(), u.title(), u.model(), u.systemPrompt(),
                        BusyPolicy.fromWire(u.busyPolicy()))
                .<ServerEvent>map(s -> new ServerEvent.SessionInfo(summary(s)))
                .orElseGet(() -> ServerEvent.Error.sessionNotFound(u.action(), u.sessionId()));
    }

    private Optional<ServerEvent> checkModel(String action, String sessionId, String model) {
        if (model == null || model.isEmpty() || models.allows(model)) {
            return Optional.empty();
        }
        return Optional.of(new ServerEvent.Error(ErrorCode.MODEL_NOT_ALLOWED.name(),
                "Model '" + model + "' is not allowed; listModels tells which are", action, sessionId, null, null));
    }

    /** Records the cancel on the session; the worker running the turn sees it within its poll interval. */
    public ServerEvent cancel(String userId, ClientAction.Cancel c) {
        Optional<Session> found = sessions.get(userId, c.sessionId());
        if (found.isEmpty()) {
            return ServerEvent.Error.sessionNotFound(c.action(), c.sessionId());
        }
        Session s = found.get();
        String target = c.turnId() != null ? c.turnId() : s.lastTurnId();
        boolean runnable = target != null && s.lastTurnId() != null && target.compareTo(s.lastTurnId()) <= 0
                && (s.settledTurnId() == null || target.compareTo(s.settledTurnId()) > 0
                    || resuming(userId, c.sessionId(), target));
        if (!runnable || s.cancelled(target)) {
            return new ServerEvent.Error(ErrorCode.NOTHING_TO_CANCEL.name(),
                    s.cancelled(String.valueOf(target)) ? "That turn is already being cancelled"
                            : "No running or queued turn to cancel in this session",
                    c.action(), c.sessionId(), c.turnId(), null);
        }
        sessions.cancelUpTo(userId, c.sessionId(), target);
        LOG.info("cancel recorded");
        return new ServerEvent.CancelRequested(c.sessionId(), target);
    }

    /**
     * A reconnected connection asks for what it missed of a turn's answer. A stored answer is replayed from the stored
     * stream marks; for a turn still being answered the request is recorded on the session, and the worker streaming
     * it sends this connection what it missed and streams on to it (it reads the session every poll interval and when
     * it settles, so a request recorded just before the answer was stored is served too: the answer is looked up again
     * after recording).
     *
     * @param connectionId the connection asking; null when unknown (then only stored answers can be replayed)
     */
    public ServerEvent resume(String userId, String connectionId, ClientAction.Resume r) {
        Optional<Session> found = sessions.get(userId, r.sessionId());
        if (found.isEmpty()) {
            return ServerEvent.Error.sessionNotFound(r.action(), r.sessionId());
        }
        List<StoredMessage> turn = messages.recentUpTo(userId, r.sessionId(), r.turnId(), 2);
        if (StoredMessage.find(turn, r.turnId(), Role.USER) == null) {
            return new ServerEvent.Error(ErrorCode.TURN_NOT_FOUND.name(), "No such turn in that session", r.action(),
                    r.sessionId(), r.turnId(), null);
        }
        StoredMessage answer = StoredMessage.find(turn, r.turnId(), Role.ASSISTANT);
        if (answer == null && (found.get().settled(r.turnId()) || connectionId == null)) {
            // given up, or paused for a tool decision (getHistory shows the pending call): nothing is being streamed
            return new ServerEvent.Resumed(r.sessionId(), r.turnId(), r.lastSeq() + 1, null, r.lastSeq() + 1,
                    "stopped", r.attempt(), null);
        }
        if (answer == null) {
            if (!sessions.requestResume(userId, r.sessionId(),
                    new dev.switchboard.domain.ResumeRequest(connectionId, r.turnId(), r.lastSeq(), r.attempt()))) {
                return new ServerEvent.Error(ErrorCode.LIMIT_REACHED.name(),
                        "Too many connections are waiting to resume this session; try again when its turn is done",
                        r.action(), r.sessionId(), r.turnId(), null);
            }
            answer = StoredMessage.find(messages.recentUpTo(userId, r.sessionId(), r.turnId(), 2), r.turnId(),
                    Role.ASSISTANT);
        }
        if (answer == null) {
            LOG.info("resume recorded for the running turn");
            // an acknowledgement (no text: nothing to replace); the worker pushes the missed part and streams on
            return new ServerEvent.Resumed(r.sessionId(), r.turnId(), r.lastSeq() + 1, null, r.lastSeq() + 1,
                    ResumeStatus.RUNNING.wire(), r.attempt(), null);
        }
        List<ServerEvent.Resumed> frames = Replay.frames(r.sessionId(), r.turnId(), answer.text(), answer.stream(),
                r.lastSeq(), r.attempt(), StoredMessage.CANCELLED.equals(answer.status()) ? ResumeStatus.CANCELLED : ResumeStatus.ANSWERED,
                Replay.REPLY_BYTES);
        ServerEvent.Resumed first = frames.getFirst();
        LOG.info("resume replayed a stored answer from delta {}", first.fromSeq());
        return frames.size() == 1 ? first : new ServerEvent.Resumed(first.sessionId(), first.turnId(), first.fromSeq(),
                first.text(), first.nextSeq(), first.status(), first.attempt(), true);
    }

    /**
     * A turn that paused for approval was marked settled; once every call is decided it is queued again (or running)
     * until its answer is stored, and can be cancelled like any running turn.
     */
    private boolean resuming(String userId, String sessionId, String turnId) {
        List<StoredMessage> steps = messages.toolCalls(userId, sessionId, turnId, turnId);
        if (steps.isEmpty() || steps.stream().anyMatch(st -> st.toolStatus() == ToolStatus.PENDING)) {
            return false;
        }
        return messages.recentUpTo(userId, sessionId, turnId, 2).stream()
                .noneMatch(m -> m.turnId().equals(turnId) && m.role() == Role.ASSISTANT);
    }

    /**
     * Approves or denies a pending tool call (a compare-and-set on its status, so a second answer cannot flip it).
     * Once no call of the turn is pending any more, the turn is queued again to resume.
     */
    public ServerEvent decide(String userId, ClientAction.DecideTool d) {
        if (sessions.get(userId, d.sessionId()).isEmpty()) {
            return ServerEvent.Error.sessionNotFound(d.action(), d.sessionId());
        }
        ToolStatus wanted = d.approve() ? ToolStatus.APPROVED : ToolStatus.DENIED;
        for (int attempt = 0; attempt < 3; attempt++) {
            List<StoredMessage> steps = messages.toolCalls(userId, d.sessionId(), d.turnId(), d.turnId());
            StoredMessage step = steps.stream().filter(s -> s.tool().toolCallId().equals(d.toolCallId()))
                    .findFirst().orElse(null);
            if (step == null) {
                return new ServerEvent.Error(ErrorCode.TOOL_CALL_NOT_FOUND.name(),
                        "No tool call '" + d.toolCallId() + "' in that turn", d.action(), d.sessionId(), d.turnId(),
                        null);
            }
            if (step.toolStatus() != ToolStatus.PENDING) {
                boolean same = d.approve() ? step.toolStatus() != ToolStatus.DENIED
                        : step.toolStatus() == ToolStatus.DENIED;
                if (!same) {
                    return new ServerEvent.Error(ErrorCode.TOOL_ALREADY_DECIDED.name(),
                            "This tool call was already " + step.status(), d.action(), d.sessionId(), d.turnId(), null);
                }
                resumeIfDecided(userId, d, steps);
                return new ServerEvent.ToolDecision(d.sessionId(), d.turnId(), d.toolCallId(), step.status());
            }
            StoredMessage decided = step.withStatus(wanted, d.approve() ? "" : ToolCall.DENIED_RESULT);
            if (messages.transition(decided, ToolStatus.PENDING)) {
                LOG.info("tool call {}", wanted);
                resumeIfDecided(userId, d, steps.stream().map(s -> s == step ? decided : s).toList());
                return new ServerEvent.ToolDecision(d.sessionId(), d.turnId(), d.toolCallId(), wanted.wire());
            }
        }
        throw new IllegalStateException("tool call status kept changing");
    }

    private void resumeIfDecided(String userId, ClientAction.DecideTool d, List<StoredMessage> steps) {
        if (steps.stream().noneMatch(s -> s.toolStatus() == ToolStatus.PENDING)) {
            int lastStep = steps.stream().mapToInt(s -> s.tool().step()).max().orElse(0);
            queue.enqueue(new TurnRequest(userId, d.sessionId(), d.turnId(), null, clock.millis(),
                    TurnRequest.Kind.RESUME, Integer.toString(lastStep), dev.switchboard.log.LogContext.correlationId()));
        }
    }

    public static ServerEvent.SessionSummary summary(Session s) {
        return new ServerEvent.SessionSummary(s.sessionId(), s.title(), iso(s.createdAtMillis()),
                iso(s.updatedAtMillis()), s.model(), s.systemPrompt(),
                s.busyPolicy() == null ? null : s.busyPolicy().wire());
    }

    private static String blankToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    static String iso(long millis) {
        return Instant.ofEpochMilli(millis).toString();
    }
}
