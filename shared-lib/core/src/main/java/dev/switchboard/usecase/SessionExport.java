package dev.switchboard.usecase;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.Session;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.port.Clock;
import dev.switchboard.port.InvalidCursorException;
import dev.switchboard.port.MessageStore;
import dev.switchboard.port.SessionStore;
import dev.switchboard.protocol.ClientAction;
import dev.switchboard.protocol.ClientAction.ExportFormat;
import dev.switchboard.protocol.Limits;
import dev.switchboard.protocol.ProtocolCodec;
import dev.switchboard.protocol.ServerEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code exportSession}: the whole session as one document, oldest message first, sent in parts that each fit one
 * reply ({@link Limits#MAX_REPLY_BYTES}, as history pages). The document is a header, one fragment per stored user
 * or assistant message (a user message's fragment also holds the turn's tool calls, as in history) and a footer; a
 * part ends where the budget does, inside a fragment when it must (a message larger than a part is split, never cut
 * short), and its cursor names that fragment by (turn, role) and an offset in it. Each part reads the session
 * forwards from the cursor's turn ({@link MessageStore#fromTurn}), {@link #BATCH} messages a Query. {@code markdown}
 * is the current branch (no superseded message, no hidden copy of a regenerated question); {@code json} holds every
 * message with history's fields.
 */
public final class SessionExport {
    private static final Logger LOG = LoggerFactory.getLogger(SessionExport.class);
    /** Messages read per Query. */
    static final int BATCH = 50;
    private static final String KIND = "x1";
    private static final int MAX_PARTS = 1_000_000;
    private static final Pattern TURN_ID = Pattern.compile("[A-Za-z0-9._:\\-]{1," + Limits.MAX_ID_CHARS + "}");

    private final ProtocolCodec codec;
    private final SessionStore sessions;
    private final MessageStore messages;
    private final Clock clock;
    private final int replyBytes;

    public SessionExport(ProtocolCodec codec, SessionStore sessions, MessageStore messages, Clock clock) {
        this(codec, sessions, messages, clock, Limits.MAX_REPLY_BYTES);
    }

    /** @param replyBytes the largest reply (tests make it small to page a short session) */
    SessionExport(ProtocolCodec codec, SessionStore sessions, MessageStore messages, Clock clock, int replyBytes) {
        this.codec = codec;
        this.sessions = sessions;
        this.messages = messages;
        this.clock = clock;
        this.replyBytes = replyBytes;
    }

    /**
     * Where a part starts: fragment (turnId, role) at char {@code offset}, or the footer; {@code anyBefore}: a JSON
     * message object was written before that fragment (so its first object starts with a comma).
     */
    private record Position(int part, boolean footer, String turnId, Role role, int offset, boolean anyBefore) {
        String key() {
            return footer || turnId == null ? null : key(turnId, role);
        }

        static String key(String turnId, Role role) {
            return turnId + (role == Role.USER ? "#0" : "#1");
        }
    }

    /** The content of one part, filled up to its budget. */
    private final class Part {
        private final StringBuilder content = new StringBuilder();
        private long left;

        Part(long budget) {
            this.left = budget;
        }

        /** Appends {@code text} from {@code from} on as far as it fits; @return the char index it stopped at. */
        int append(String text, int from) {
            String rest = text.substring(from);
            long size = jsonBytes(rest);
            if (size <= left) {
                content.append(rest);
                left -= size;
                return text.length();
            }
            int lo = 0;
            int hi = rest.length();
            while (lo < hi) { // the longest prefix that fits
                int mid = (lo + hi + 1) >>> 1;
                if (jsonBytes(rest.substring(0, mid)) <= left) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            if (lo > 0 && Character.isHighSurrogate(rest.charAt(lo - 1))) {
                lo--; // never split a character
            }
            content.append(rest, 0, lo);
            left = 0;
            return from + lo;
        }
    }

    public ServerEvent export(String userId, ClientAction.ExportSession x) {
        Optional<Session> found = sessions.get(userId, x.sessionId());
        if (found.isEmpty()) {
            return ServerEvent.Error.sessionNotFound(x.action(), x.sessionId());
        }
        String binding = BoundCursor.binding(userId, x.sessionId(), x.format().wire());
        Position at = x.cursor() == null ? null : decode(x.cursor(), binding);
        int partNumber = at == null ? 1 : at.part();
        long envelope = codec.size(new ServerEvent.Export(x.sessionId(), x.format().wire(), MAX_PARTS, "",
                "c".repeat(400)));
        Part part = new Part(replyBytes - envelope);
        boolean json = x.format() == ExportFormat.JSON;
        if (at == null) {
            part.append(header(found.get(), json), 0);
            at = new Position(1, false, null, null, 0, false);
        }
        Position next = at.footer() ? null : messagesFrom(userId, x.sessionId(), json, at, part);
        if (next == null) {
            String footer = json ? "]}" : "";
            int from = at.footer() ? at.offset() : 0;
            if (from > footer.length()) {
                throw new InvalidCursorException();
            }
            int stopped = part.append(footer, from);
            if (stopped < footer.length()) {
                next = new Position(partNumber + 1, true, null, null, stopped, true);
            }
        }
        LOG.info("export part {} ({}), last: {}", partNumber, x.format().wire(), next == null);
        return new ServerEvent.Export(x.sessionId(), x.format().wire(), partNumber, part.content.toString(),
                next == null ? null : encode(next, binding));
    }

    /** Appends the fragments from {@code at} on; @return where the next part starts, or null when all fitted. */
    private Position messagesFrom(String userId, String sessionId, boolean json, Position at, Part part) {
        String startKey = at.key();
        String lastKey = null;
        boolean any = at.anyBefore();
        String fromTurn = at.turnId();
        while (true) {
            List<StoredMessage> batch = messages.fromTurn(userId, sessionId, fromTurn, BATCH);
            List<StoredMessage> todo = new ArrayList<>();
            for (StoredMessage m : batch) {
                String key = Position.key(m.turnId(), m.role());
                if ((lastKey == null || key.compareTo(lastKey) > 0)
                        && (startKey == null || key.compareTo(startKey) >= 0)) {
                    todo.add(m);
                }
            }
            Map<String, String> answerOf = new HashMap<>();
            batch.stream().filter(StoredMessage::hiddenCopy).forEach(m -> answerOf.put(m.turnId(),
                    m.branch().answerOf()));
            Map<String, List<StoredMessage>> tools = toolCalls(userId, sessionId, todo);
            for (StoredMessage m : todo) {
                String key = Position.key(m.turnId(), m.role());
                List<StoredMessage> calls = m.role() == Role.USER ? tools.getOrDefault(m.turnId(), List.of())
                        : List.of();
                String fragment = json ? jsonFragment(m, calls, any, answerOf) : markdownFragment(m, calls);
                int from = key.equals(startKey) ? at.offset() : 0;
                if (from > fragment.length()) {
                    throw new InvalidCursorException();
                }
                int stopped = part.append(fragment, from);
                if (stopped < fragment.length()) {
                    return new Position(at.part() + 1, false, m.turnId(), m.role(), stopped, any);
                }
                any |= json && !fragment.isEmpty();
                lastKey = key;
            }
            if (batch.size() < BATCH) {
                return null;
            }
            fromTurn = batch.get(batch.size() - 1).turnId();
        }
    }

    /** The tool calls of the batch's user messages, by turn (one Query for the batch). */
    private Map<String, List<StoredMessage>> toolCalls(String userId, String sessionId, List<StoredMessage> todo) {
        List<StoredMessage> questions = todo.stream().filter(m -> m.role() == Role.USER).toList();
        Map<String, List<StoredMessage>> byTurn = new HashMap<>();
        if (!questions.isEmpty()) {
            for (StoredMessage call : messages.toolCalls(userId, sessionId, questions.get(0).turnId(),
                    questions.get(questions.size() - 1).turnId())) {
                byTurn.computeIfAbsent(call.turnId(), k -> new ArrayList<>()).add(call);
            }
        }
        return byTurn;
    }

    private String header(Session session, boolean json) {
        if (!json) {
            return "# " + session.title() + "\n\n";
        }
        return "{\"sessionId\":" + jsonValue(session.sessionId()) + ",\"title\":" + jsonValue(session.title())
                + ",\"exportedAt\":" + jsonValue(iso(clock.millis())) + ",\"messages\":[";
    }

    /** The message as history shows it (a hidden copy: nothing), then its turn's tool calls. */
    private String jsonFragment(StoredMessage m, List<StoredMessage> calls, boolean anyBefore,
                                Map<String, String> answerOf) {
        List<StoredMessage> shown = new ArrayList<>();
        if (!m.hiddenCopy()) {
            shown.add(m);
        }
        shown.addAll(calls);
        StringBuilder out = new StringBuilder();
        boolean comma = anyBefore;
        for (StoredMessage s : shown) {
            out.append(comma ? "," : "").append(jsonValue(ChatIngress.historyMessage(s, s.text(), false, answerOf)));
            comma = true;
        }
        return out.toString();
    }

    /** The current branch only: a section per message, tool calls as a line each under the question. */
    private static String markdownFragment(StoredMessage m, List<StoredMessage> calls) {
        if (m.branch().superseded()) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        if (m.role() == Role.USER && !m.hiddenCopy()) {
            out.append("## User · ").append(iso(m.createdAtMillis())).append("\n\n").append(m.text()).append("\n\n");
        } else if (m.role() == Role.ASSISTANT) {
            out.append("## Assistant · ").append(m.model() == null ? "" : m.model() + " · ")
                    .append(iso(m.createdAtMillis())).append("\n\n").append(m.text()).append("\n\n");
            if (m.status() != null) {
                out.append("_(").append(m.status()).append(")_\n\n");
            }
        }
        for (StoredMessage call : calls) {
            out.append("- Tool call `").append(call.tool().name()).append("`: ").append(call.status()).append('\n');
        }
        if (!calls.isEmpty()) {
            out.append('\n');
        }
        return out.toString();
    }

    private String encode(Position p, String binding) {
        return BoundCursor.encode(KIND, binding, Integer.toString(p.part()), p.footer() ? "f" : "m",
                p.footer() ? "-" : p.turnId(), p.footer() ? "-" : p.role() == Role.USER ? "u" : "a",
                Integer.toString(p.offset()), p.anyBefore() ? "1" : "0");
    }

    private static Position decode(String cursor, String binding) {
        List<String> f = BoundCursor.decode(cursor, KIND, binding, 6);
        int part = BoundCursor.number(f.get(0), MAX_PARTS);
        int offset = BoundCursor.number(f.get(4), Integer.MAX_VALUE - 1);
        boolean any = switch (f.get(5)) {
            case "1" -> true;
            case "0" -> false;
            default -> throw new InvalidCursorException();
        };
        if (part < 2) {
            throw new InvalidCursorException();
        }
        if (f.get(1).equals("f") && f.get(2).equals("-") && f.get(3).equals("-")) {
            return new Position(part, true, null, null, offset, any);
        }
        Role role = switch (f.get(3)) {
            case "u" -> Role.USER;
            case "a" -> Role.ASSISTANT;
            default -> throw new InvalidCursorException();
        };
        if (!f.get(1).equals("m") || !TURN_ID.matcher(f.get(2)).matches()) {
            throw new InvalidCursorException();
        }
        return new Position(part, false, f.get(2), role, offset, any);
    }

    private long jsonBytes(String s) {
        return codec.size(s) - 2;
    }

    private String jsonValue(Object value) {
        try {
            return codec.mapper().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    private static String iso(long millis) {
        return Instant.ofEpochMilli(millis).toString();
    }
}
