package dev.switchboard.usecase;

import dev.switchboard.domain.ChatMessage;
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
import dev.switchboard.runtime.Hashes;
import dev.switchboard.runtime.Ids;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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

    public ChatIngress(ProtocolCodec codec, SessionStore sessions, MessageStore messages, TurnQueue queue, Ids ids,
                       Clock clock) {
        this.codec = codec;
        this.sessions = sessions;
        this.messages = messages;
        this.queue = queue;
        this.ids = ids;
        this.clock = clock;
    }

    public ServerEvent handle(String userId, String body) {
        ClientAction action;
        try {
            action = codec.parse(body);
        } catch (ProtocolException e) {
            LOG.info("rejected frame: {}", e.code());
            return e.toEvent();
        }
        try {
            return switch (action) {
                case ClientAction.SendMessage m -> send(userId, m);
                case ClientAction.ListSessions l -> list(userId, l);
                case ClientAction.GetHistory h -> history(userId, h);
                case ClientAction.DeleteSession d -> delete(userId, d);
                case ClientAction.Ping p -> new ServerEvent.Pong(clock.millis());
            };
        } catch (InvalidCursorException e) {
            return ServerEvent.Error.of(ErrorCode.INVALID_FIELD, "Field 'cursor' was not issued by this server")
                    .forAction(action.action());
        }
    }

    private ServerEvent send(String userId, ClientAction.SendMessage m) {
        long now = clock.millis();
        String sessionId = m.sessionId();
        if (sessionId == null) {
            sessionId = Ids.sessionIdFor(userId, m.clientMessageId());
            sessions.createIfAbsent(new Session(userId, sessionId, title(m.text()), now, now));
        } else if (sessions.get(userId, sessionId).isEmpty()) {
            return new ServerEvent.Error(ErrorCode.SESSION_NOT_FOUND.name(), "No such session",
                    m.action(), sessionId, null, m.clientMessageId());
        }
        String fingerprint = fingerprint(m.text());
        TurnClaim claim = messages.claimTurn(userId, sessionId, m.clientMessageId(), ids.newTurnId(now), fingerprint,
                now);
        LogContext.session(sessionId, claim.turnId());
        if (!claim.fresh() && claim.fingerprint() != null && !claim.fingerprint().equals(fingerprint)) {
            LOG.info("clientMessageId reused for a different message: refused");
            return new ServerEvent.Error(ErrorCode.ID_REUSED.name(),
                    "This clientMessageId was already used for a different message; use a new id for each message",
                    m.action(), sessionId, null, m.clientMessageId());
        }
        // On a retry the claim already exists: the user message and the enqueue are repeated, both idempotent, so a
        // retry after a crash between these steps completes the turn instead of losing it.
        messages.putIfAbsent(new ChatMessage(userId, sessionId, claim.turnId(), Role.USER, m.text(),
                claim.createdAtMillis(), null));
        queue.enqueue(new TurnRequest(userId, sessionId, claim.turnId(), m.clientMessageId(), now));
        LOG.info("turn accepted (duplicate={})", !claim.fresh());
        return new ServerEvent.Accepted(sessionId, claim.turnId(), m.clientMessageId(), !claim.fresh());
    }

    private ServerEvent list(String userId, ClientAction.ListSessions l) {
        Page<Session> page = sessions.list(userId, l.limit(), l.cursor());
        return new ServerEvent.Sessions(page.items().stream()
                .map(s -> new ServerEvent.SessionSummary(s.sessionId(), s.title(), iso(s.createdAtMillis()),
                        iso(s.updatedAtMillis())))
                .toList(), page.nextCursor());
    }

    private ServerEvent history(String userId, ClientAction.GetHistory h) {
        if (sessions.get(userId, h.sessionId()).isEmpty()) {
            return notFound(h.action(), h.sessionId());
        }
        Page<ChatMessage> page = messages.history(userId, h.sessionId(), h.limit(), h.cursor());
        List<ChatMessage> stored = page.items();
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
        while (total > Limits.MAX_REPLY_BYTES && out.size() - first > 1) {
            total -= sizes[first++];
        }
        if (first > 0) {
            next = messages.cursorBefore(stored.get(first));
        }
        long budget = Limits.MAX_REPLY_BYTES - envelope;
        for (int i = first; i < out.size(); i++) {
            ChatMessage m = stored.get(i);
            for (String text = m.text(); codec.size(out.get(i)) > budget; ) {
                text = text.substring(0, text.offsetByCodePoints(0, text.codePointCount(0, text.length()) * 9 / 10));
                out.set(i, historyMessage(m, text, true));
            }
        }
        return new ServerEvent.History(h.sessionId(), out.subList(first, out.size()), next);
    }

    private static ServerEvent.HistoryMessage historyMessage(ChatMessage m, String text, boolean truncated) {
        return new ServerEvent.HistoryMessage(m.turnId(), m.role().wire(), text, iso(m.createdAtMillis()), m.model(),
                truncated ? Boolean.TRUE : null);
    }

    private ServerEvent delete(String userId, ClientAction.DeleteSession d) {
        if (sessions.get(userId, d.sessionId()).isEmpty()) {
            return notFound(d.action(), d.sessionId());
        }
        // messages first: if this is cut short, the session is still there and the delete can be repeated
        int deleted = messages.deleteSession(userId, d.sessionId());
        sessions.delete(userId, d.sessionId());
        LOG.info("session deleted ({} messages)", deleted);
        return new ServerEvent.SessionDeleted(d.sessionId(), deleted);
    }

    private static ServerEvent notFound(String action, String sessionId) {
        return new ServerEvent.Error(ErrorCode.SESSION_NOT_FOUND.name(), "No such session", action, sessionId,
                null, null);
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
