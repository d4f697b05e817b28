package dev.switchboard.usecase;

import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.Page;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.Session;
import dev.switchboard.domain.TurnClaim;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.log.LogContext;
import dev.switchboard.port.Clock;
import dev.switchboard.port.InvalidCursorException;
import dev.switchboard.port.MessageStore;
import dev.switchboard.port.SessionStore;
import dev.switchboard.port.TurnQueue;
import dev.switchboard.protocol.ClientAction;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Limits;
import dev.switchboard.protocol.ProtocolCodec;
import dev.switchboard.protocol.ProtocolException;
import dev.switchboard.protocol.ServerEvent;
import dev.switchboard.domain.Hashes;
import dev.switchboard.domain.Ids;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The message route's use case: one client frame in, one reply event out. A {@code sendMessage} stores the user turn
 * (idempotent on clientMessageId) and enqueues it; the answer is streamed later by the worker. Every lookup is keyed
 * by the caller's user id, so another user's session is indistinguishable from a missing one.
 */
public final class ChatIngress {
    private static final Logger LOG = LoggerFactory.getLogger(ChatIngress.class);
    private static final int TITLE_CHARS = 60;

    private final ProtocolCodec codec;
    private final SessionStore sessions;
    private final MessageStore messages;
    private final TurnQueue queue;
    private final Ids ids;
    private final Clock clock;
    private final SessionControl control;
    private final SlashCommands commands;
    private final KnowledgeActions knowledge;
    private final TurnLimits limits;

    public ChatIngress(ProtocolCodec codec, SessionStore sessions, MessageStore messages, TurnQueue queue, Ids ids,
                       Clock clock, ModelListing models, SlashCommands commands,
                       KnowledgeActions knowledge) {
        this(codec, sessions, messages, queue, ids, clock, models, commands, knowledge, TurnLimits.NONE);
    }

    public ChatIngress(ProtocolCodec codec, SessionStore sessions, MessageStore messages, TurnQueue queue, Ids ids,
                       Clock clock, ModelListing models, SlashCommands commands,
                       KnowledgeActions knowledge, TurnLimits limits) {
        this(codec, sessions, messages, queue, ids, clock, models, commands, knowledge, limits, HoldingLimits.NONE);
    }

    /** @param holdings the cap on sessions per user and the per-minute limit on creating them */
    public ChatIngress(ProtocolCodec codec, SessionStore sessions, MessageStore messages, TurnQueue queue, Ids ids,
                       Clock clock, ModelListing models, SlashCommands commands,
                       KnowledgeActions knowledge, TurnLimits limits, HoldingLimits holdings) {
        this.limits = limits;
        this.codec = codec;
        this.sessions = sessions;
        this.messages = messages;
        this.queue = queue;
        this.ids = ids;
        this.clock = clock;
        this.control = new SessionControl(sessions, messages, queue, models, clock, holdings);
        this.commands = commands;
        this.knowledge = knowledge;
    }

    /** The offline model only, the built-in commands, no memory or knowledge base. */
    public ChatIngress(ProtocolCodec codec, SessionStore sessions, MessageStore messages, TurnQueue queue, Ids ids,
                       Clock clock) {
        this(codec, sessions, messages, queue, ids, clock, ModelListing.offline(),
                defaultCommands(sessions, messages, ModelListing.offline()), KnowledgeActions.NONE);
    }

    /** /help, /reset and /model. */
    public static SlashCommands defaultCommands(SessionStore sessions, MessageStore messages,
                                                ModelListing models, SlashCommand... more) {
        List<SlashCommand> all = new ArrayList<>(List.of(new ResetCommand(sessions, messages),
                new ModelCommand(sessions, models)));
        all.addAll(List.of(more));
        return new SlashCommands(all);
    }

    public ServerEvent handle(String userId, String body) {
        return handle(userId, 0, body);
    }

    /**
     * @param tokenExpiresAt when the token the connection was opened with expires (epoch seconds; 0 = unknown): after
     *                       that, every action but {@code ping} is refused with {@code TOKEN_EXPIRED} (a WebSocket
     *                       connection outlives its token; the client reconnects with a fresh one)
     */
    public ServerEvent handle(String userId, long tokenExpiresAt, String body) {
        return handle(userId, null, tokenExpiresAt, body);
    }

    /** @param connectionId the connection the frame came on (a {@code resume} streams the rest of a turn to it) */
    public ServerEvent handle(String userId, String connectionId, long tokenExpiresAt, String body) {
        ClientAction action;
        try {
            action = codec.parse(body);
        } catch (ProtocolException e) {
            LOG.info("rejected frame: {}", e.code());
            return e.toEvent();
        }
        if (tokenExpiresAt > 0 && clock.millis() >= tokenExpiresAt * 1000 && !(action instanceof ClientAction.Ping)) {
            LOG.info("action refused: the connection's token expired");
            return ServerEvent.Error.of(ErrorCode.TOKEN_EXPIRED,
                    "Your sign-in has expired; reconnect with a new token").forAction(action.action());
        }
        try {
            return switch (action) {
                case ClientAction.SendMessage m -> send(userId, m);
                case ClientAction.ListSessions l -> list(userId, l);
                case ClientAction.GetHistory h -> history(userId, h);
                case ClientAction.DeleteSession d -> delete(userId, d);
                case ClientAction.Ping p -> new ServerEvent.Pong(clock.millis());
                case ClientAction.CreateSession c -> control.create(userId, c);
                case ClientAction.UpdateSession u -> control.update(userId, u);
                case ClientAction.ListModels l -> control.listModels();
                case ClientAction.Cancel c -> control.cancel(userId, c);
                case ClientAction.DecideTool d -> control.decide(userId, d);
                case ClientAction.ListMemories l -> knowledge.listMemories(userId);
                case ClientAction.DeleteMemory d -> knowledge.deleteMemory(userId, d);
                case ClientAction.AddDocument a -> knowledge.addDocument(userId, a);
                case ClientAction.ListDocuments l -> knowledge.listDocuments(userId);
                case ClientAction.DeleteDocument d -> knowledge.deleteDocument(userId, d);
                case ClientAction.Resume r -> control.resume(userId, connectionId, r);
            };
        } catch (InvalidCursorException e) {
            return ServerEvent.Error.of(ErrorCode.INVALID_FIELD, "Field 'cursor' was not issued by this server")
                    .forAction(action.action());
        }
    }

    private ServerEvent send(String userId, ClientAction.SendMessage m) {
        if (SlashCommands.isCommand(m.text())) {
            if (m.sessionId() != null && sessions.get(userId, m.sessionId()).isEmpty()) {
                return ServerEvent.Error.sessionNotFound(m.action(), m.sessionId());
            }
            LOG.info("slash command");
            return commands.handle(userId, m.sessionId(), m.text());
        }
        String text = SlashCommands.unescape(m.text());
        long now = clock.millis();
        String sessionId = m.sessionId();
        Session session;
        boolean admitted = false;
        // a resend of a first message finds the session it created (its id follows from the clientMessageId)
        Optional<Session> found = sessions.get(userId, sessionId != null ? sessionId
                : Ids.sessionIdFor(userId, m.clientMessageId()));
        if (sessionId == null && found.isEmpty()) {
            sessionId = Ids.sessionIdFor(userId, m.clientMessageId());
            // limits first, so a refused first message leaves no empty session behind
            Optional<ServerEvent> refused = control.takeSession(userId, now, m.action(), sessionId);
            if (refused.isEmpty()) {
                refused = limits.admit(userId, sessionId, m.clientMessageId(), now);
                if (refused.isPresent()) {
                    control.releaseSession(userId);
                }
            }
            if (refused.isPresent()) {
                LOG.info("message refused: a per-user limit is reached");
                return refused.get();
            }
            admitted = true;
            session = control.createTaken(new Session(userId, sessionId, title(text), now, now));
        } else {
            sessionId = sessionId != null ? sessionId : Ids.sessionIdFor(userId, m.clientMessageId());
            if (found.isEmpty()) {
                return new ServerEvent.Error(ErrorCode.SESSION_NOT_FOUND.name(), "No such session",
                        m.action(), sessionId, null, m.clientMessageId());
            }
            session = found.get();
        }
        // A message arriving while a turn runs (a retry of that very message is not "another" message)
        if (session.busy() && !m.clientMessageId().equals(session.lastClientMessageId())) {
            switch (session.effectiveBusyPolicy()) {
                case REJECT -> {
                    LOG.info("session busy: message refused");
                    return new ServerEvent.Error(ErrorCode.SESSION_BUSY.name(),
                            "This session is still answering; wait for its done event or cancel it",
                            m.action(), sessionId, session.lastTurnId(), m.clientMessageId());
                }
                case INTERRUPT -> {
                    sessions.cancelUpTo(userId, sessionId, session.lastTurnId());
                    LOG.info("session busy: running turn interrupted");
                }
                case ENQUEUE -> { }
            }
        }
        boolean retry = m.clientMessageId().equals(session.lastClientMessageId());
        // only a resend of the turn still pending skips the limits; a resend of a turn that ended (failed and given
        // up, say, after the queue's deduplication window) would call the model again, so it is admitted anew
        if (!(retry && session.busy()) && !admitted) {
            Optional<ServerEvent> refused = limits.admit(userId, sessionId, m.clientMessageId(), now);
            if (refused.isPresent()) {
                LOG.info("message refused: a per-user limit is reached");
                return refused.get();
            }
        }
        String fingerprint = fingerprint(m.text());
        // a new turn sorts after the session's newest accepted one, even within the same millisecond or when this
        // instance's clock is behind another's (so an interrupt never cancels the interrupting message)
        long idTime = Math.max(now, Ids.millisOf(session.lastTurnId()) + 1);
        TurnClaim claim = messages.claimTurn(userId, sessionId, m.clientMessageId(), ids.newTurnId(idTime),
                fingerprint, now);
        LogContext.session(sessionId, claim.turnId());
        if (!claim.fresh() && claim.fingerprint() != null && !claim.fingerprint().equals(fingerprint)) {
            LOG.info("clientMessageId reused for a different message: refused");
            return new ServerEvent.Error(ErrorCode.ID_REUSED.name(),
                    "This clientMessageId was already used for a different message; use a new id for each message",
                    m.action(), sessionId, null, m.clientMessageId());
        }
        // On a retry the claim already exists: the user message, the mark and the enqueue are repeated, all
        // idempotent, so a retry after a crash between these steps completes the turn instead of losing it.
        messages.putIfAbsent(new StoredMessage(userId, sessionId, claim.turnId(), Role.USER, text,
                claim.createdAtMillis(), null));
        if (!sessions.markAccepted(userId, sessionId, claim.turnId(), m.clientMessageId())) {
            // the session was deleted since it was read: take back what this message stored (its claim, the
            // message), so that nothing of it outlives the session (deleteSession deletes the session first)
            messages.deleteSession(userId, sessionId);
            limits.release(userId, sessionId, m.clientMessageId()); // and the running-answer slot it took
            LOG.info("session deleted while the message was stored: taken back");
            return new ServerEvent.Error(ErrorCode.SESSION_NOT_FOUND.name(), "No such session",
                    m.action(), sessionId, null, m.clientMessageId());
        }
        queue.enqueue(new TurnRequest(userId, sessionId, claim.turnId(), m.clientMessageId(), now, null, null,
                LogContext.correlationId()));
        LOG.info("turn accepted (duplicate={})", !claim.fresh());
        return new ServerEvent.Accepted(sessionId, claim.turnId(), m.clientMessageId(), !claim.fresh());
    }

    private ServerEvent list(String userId, ClientAction.ListSessions l) {
        Page<Session> page = sessions.list(userId, l.limit(), l.cursor());
        return new ServerEvent.Sessions(page.items().stream()
                .map(SessionControl::summary)
                .toList(), page.nextCursor());
    }

    private ServerEvent history(String userId, ClientAction.GetHistory h) {
        if (sessions.get(userId, h.sessionId()).isEmpty()) {
            return ServerEvent.Error.sessionNotFound(h.action(), h.sessionId());
        }
        Page<StoredMessage> page = messages.history(userId, h.sessionId(), h.limit(), h.cursor());
        List<StoredMessage> stored = withToolCalls(userId, h.sessionId(), page.items());
        String next = page.nextCursor();
        // A reply must fit in one WebSocket message: drop the oldest messages of the page (the cursor then continues
        // with them), and cut the text of a single message that is larger than a reply on its own.
        List<ServerEvent.HistoryMessage> out = new ArrayList<>(stored.size());
        long[] sizes = new long[stored.size()];
        long envelope = codec.size(new ServerEvent.History(h.sessionId(), List.of(), "c".repeat(400)));
        long total = envelope;
        for (int i = 0; i < stored.size(); i++) {
            out.add(historyMessage(stored.get(i), stored.get(i).text(), false));
            sizes[i] = codec.size(out.get(i)) + 1;
            total += sizes[i];
        }
        int first = 0;
        while (out.size() - first > 1 && (total > Limits.MAX_REPLY_BYTES || stored.get(first).role() == Role.TOOL)) {
            total -= sizes[first++]; // a page never starts with a tool call: the cursor must name a message
        }
        if (first > 0) {
            next = messages.cursorBefore(stored.get(first));
        }
        long budget = Limits.MAX_REPLY_BYTES - envelope;
        for (int i = first; i < out.size(); i++) {
            StoredMessage m = stored.get(i);
            for (String text = m.text(); codec.size(out.get(i)) > budget; ) {
                text = text.substring(0, text.offsetByCodePoints(0, text.codePointCount(0, text.length()) * 9 / 10));
                out.set(i, historyMessage(m, text, true));
            }
        }
        return new ServerEvent.History(h.sessionId(), out.subList(first, out.size()), next);
    }

    /** Puts each turn's tool calls (one extra Query for the page's turns) right after its user message. */
    private List<StoredMessage> withToolCalls(String userId, String sessionId, List<StoredMessage> page) {
        if (page.isEmpty()) {
            return page;
        }
        List<StoredMessage> calls = messages.toolCalls(userId, sessionId, page.get(0).turnId(),
                page.get(page.size() - 1).turnId());
        if (calls.isEmpty()) {
            return page;
        }
        // each turn's calls follow its user message (so they come with exactly one page)
        java.util.Map<String, List<StoredMessage>> byTurn = new java.util.HashMap<>();
        for (StoredMessage call : calls) {
            byTurn.computeIfAbsent(call.turnId(), k -> new ArrayList<>()).add(call);
        }
        List<StoredMessage> merged = new ArrayList<>(page.size() + calls.size());
        for (StoredMessage m : page) {
            merged.add(m);
            if (m.role() == Role.USER) {
                merged.addAll(byTurn.getOrDefault(m.turnId(), List.of()));
            }
        }
        return merged;
    }

    private static ServerEvent.HistoryMessage historyMessage(StoredMessage m, String text, boolean truncated) {
        return new ServerEvent.HistoryMessage(m.turnId(), m.role().wire(), text, iso(m.createdAtMillis()), m.model(),
                truncated ? Boolean.TRUE : null, m.status(), m.tool() == null ? null : m.tool().toolCallId(),
                m.tool() == null ? null : m.tool().name(), m.tool() == null ? null : m.tool().arguments());
    }

    /**
     * The session first, then its messages: a send that raced the delete finds the session gone when it marks its
     * message accepted and takes its items back, or it marked it before, so its items are stored before the
     * messages' consistent query below. A repeat after a delete cut short finds no session but still deletes what is
     * left of its messages.
     */
    private ServerEvent delete(String userId, ClientAction.DeleteSession d) {
        boolean existed = sessions.delete(userId, d.sessionId());
        int deleted = messages.deleteSession(userId, d.sessionId());
        if (!existed && deleted == 0) {
            return ServerEvent.Error.sessionNotFound(d.action(), d.sessionId());
        }
        if (existed) {
            control.releaseSession(userId);
        }
        LOG.info("session deleted ({} messages)", deleted);
        return new ServerEvent.SessionDeleted(d.sessionId(), deleted);
    }

    /** Identifies the text of a message without storing it twice: a retry has the same, a reused id another. */
    static String fingerprint(String text) {
        return Hashes.sha256Hex(text, 16);
    }

    private static String title(String text) {
        String oneLine = text.strip().replaceAll("\\s+", " ");
        return oneLine.codePointCount(0, oneLine.length()) <= TITLE_CHARS ? oneLine
                : oneLine.substring(0, oneLine.offsetByCodePoints(0, TITLE_CHARS)) + "…";
    }

    private static String iso(long millis) {
        return Instant.ofEpochMilli(millis).toString();
    }
}
