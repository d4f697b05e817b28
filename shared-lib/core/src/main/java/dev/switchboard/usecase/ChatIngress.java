package dev.switchboard.usecase;

import dev.switchboard.domain.Branch;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.Page;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.Session;
import dev.switchboard.port.Clock;
import dev.switchboard.port.InvalidCursorException;
import dev.switchboard.port.MessageStore;
import dev.switchboard.port.SessionStore;
import dev.switchboard.port.TurnAdmissions;
import dev.switchboard.port.TurnQueue;
import dev.switchboard.port.UsageCounters;
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
    private final TurnAdmission admission;
    private final Alternatives alternatives;
    private final Ratings ratings;
    private final SessionExport export;
    private final MessageSearch search;

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
        this(codec, sessions, messages, queue, ids, clock, models, commands, knowledge, limits, holdings,
                UsageCounters.NONE);
    }

    /** @param ratingCounts where rateMessage counts ratings per model (the operator's /stats reads them) */
    public ChatIngress(ProtocolCodec codec, SessionStore sessions, MessageStore messages, TurnQueue queue, Ids ids,
                       Clock clock, ModelListing models, SlashCommands commands,
                       KnowledgeActions knowledge, TurnLimits limits, HoldingLimits holdings,
                       UsageCounters ratingCounts) {
        this(codec, sessions, messages, queue, ids, clock, models, commands, knowledge, limits, holdings, ratingCounts,
                new StepwiseAdmissions(sessions, messages, limits));
    }

    /**
     * @param admissions stores a later turn's limits, claim, message and mark in one write (the stores' own, where
     *                   they can write across their tables in one request)
     */
    public ChatIngress(ProtocolCodec codec, SessionStore sessions, MessageStore messages, TurnQueue queue, Ids ids,
                       Clock clock, ModelListing models, SlashCommands commands,
                       KnowledgeActions knowledge, TurnLimits limits, HoldingLimits holdings,
                       UsageCounters ratingCounts, TurnAdmissions admissions) {
        this.limits = limits;
        this.codec = codec;
        this.sessions = sessions;
        this.messages = messages;
        this.queue = queue;
        this.ids = ids;
        this.clock = clock;
        this.control = new SessionControl(sessions, messages, queue, models, clock, holdings);
        this.admission = new TurnAdmission(sessions, messages, queue, ids, clock, limits, admissions);
        this.alternatives = new Alternatives(sessions, messages, admission, ids, clock);
        this.ratings = new Ratings(sessions, messages, clock, ratingCounts);
        this.export = new SessionExport(codec, sessions, messages, clock);
        this.search = new MessageSearch(sessions, messages);
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
                case ClientAction.Regenerate r -> alternatives.regenerate(userId, r);
                case ClientAction.EditMessage e -> alternatives.edit(userId, e);
                case ClientAction.RateMessage r -> ratings.rate(userId, r);
                case ClientAction.ExportSession x -> export.export(userId, x);
                case ClientAction.SearchMessages s -> search.search(userId, s);
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
        return admission.admit(session, m.action(), m.clientMessageId(), text, fingerprint(m.text()), Branch.NONE,
                admitted);
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
        java.util.Map<String, String> answerOf = answerOf(userId, h.sessionId(), stored);
        stored = stored.stream().filter(m -> !m.hiddenCopy()).toList();
        String next = page.nextCursor();
        // A reply must fit in one WebSocket message: drop the oldest messages of the page (the cursor then continues
        // with them), and cut the text of a single message that is larger than a reply on its own.
        List<ServerEvent.HistoryMessage> out = new ArrayList<>(stored.size());
        long[] sizes = new long[stored.size()];
        long envelope = codec.size(new ServerEvent.History(h.sessionId(), List.of(), "c".repeat(400)));
        long total = envelope;
        for (int i = 0; i < stored.size(); i++) {
            out.add(historyMessage(stored.get(i), stored.get(i).text(), false, answerOf));
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
                out.set(i, historyMessage(m, text, true, answerOf));
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

    /**
     * The turns of the page that regenerate an earlier question (turn id → the question's turn), read from their
     * hidden user messages; when the page starts with an answer, its question (just before the page) is read too.
     */
    private java.util.Map<String, String> answerOf(String userId, String sessionId, List<StoredMessage> page) {
        java.util.Map<String, String> out = new java.util.HashMap<>();
        if (!page.isEmpty() && page.get(0).role() == Role.ASSISTANT) {
            StoredMessage q = StoredMessage.find(messages.recentUpTo(userId, sessionId, page.get(0).turnId(), 2),
                    page.get(0).turnId(), Role.USER);
            if (q != null && q.hiddenCopy()) {
                out.put(q.turnId(), q.branch().answerOf());
            }
        }
        for (StoredMessage m : page) {
            if (m.hiddenCopy()) {
                out.put(m.turnId(), m.branch().answerOf());
            }
        }
        return out;
    }

    /** A stored message as history (and the JSON export) shows it. */
    static ServerEvent.HistoryMessage historyMessage(StoredMessage m, String text, boolean truncated,
                                                             java.util.Map<String, String> answerOf) {
        boolean answer = m.role() == Role.ASSISTANT;
        return new ServerEvent.HistoryMessage(m.turnId(), m.role().wire(), text, iso(m.createdAtMillis()), m.model(),
                truncated ? Boolean.TRUE : null, m.status(), m.tool() == null ? null : m.tool().toolCallId(),
                m.tool() == null ? null : m.tool().name(), m.tool() == null ? null : m.tool().arguments(),
                m.branch().superseded() ? Boolean.TRUE : null, answer ? answerOf.get(m.turnId()) : null,
                m.rating() == null ? null : m.rating().value().wire(), m.rating() == null ? null : m.rating().comment());
    }

    /**
     * The session first, then its messages: a send that raced the delete finds the session gone in the write that
     * stores its message (and stores nothing), or stored it before, so its items are stored before the messages'
     * consistent query below. A repeat after a delete cut short finds no session but still deletes what is
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
        return Session.titleFrom(text);
    }

    private static String iso(long millis) {
        return Instant.ofEpochMilli(millis).toString();
    }
}
