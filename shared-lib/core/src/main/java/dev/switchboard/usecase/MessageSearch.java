package dev.switchboard.usecase;

import dev.switchboard.domain.Page;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.Session;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.port.MessageStore;
import dev.switchboard.port.SessionStore;
import dev.switchboard.protocol.ClientAction;
import dev.switchboard.protocol.Limits;
import dev.switchboard.protocol.ServerEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code searchMessages}: a lexical search of the caller's own user and assistant messages, made at query time with
 * nothing written on the turn path. The window is the user's {@link #SESSIONS} most recently updated sessions and the
 * newest {@link #MESSAGES_PER_SESSION} messages of each, read with the caller's user id only (their sessions
 * partition, then each session's messages partition); its messages are scored with BM25 ({@link SearchText}) and
 * the best come first. Tool results and the hidden copy of a regenerated question are not searched; superseded
 * messages are, and marked. A cursor continues the same query's ranking by its offset (the window is read again, so
 * a message stored meanwhile may shift it).
 */
public final class MessageSearch {
    private static final Logger LOG = LoggerFactory.getLogger(MessageSearch.class);
    /** How many of the user's sessions are searched: the most recently updated. */
    public static final int SESSIONS = 20;
    /** How many messages of each session are searched: the newest. */
    public static final int MESSAGES_PER_SESSION = 200;
    private static final String KIND = "q1";

    private final SessionStore sessions;
    private final MessageStore messages;

    public MessageSearch(SessionStore sessions, MessageStore messages) {
        this.sessions = sessions;
        this.messages = messages;
    }

    private record Candidate(Session session, StoredMessage message, List<SearchText.Token> tokens) {}

    private record Scored(Candidate candidate, double score, int hit) {}

    public ServerEvent search(String userId, ClientAction.SearchMessages s) {
        String binding = BoundCursor.binding(userId, s.query());
        int offset = s.cursor() == null ? 0
                : BoundCursor.number(BoundCursor.decode(s.cursor(), KIND, binding, 1).get(0),
                SESSIONS * MESSAGES_PER_SESSION);
        Set<String> terms = SearchText.queryTerms(s.query());
        List<Scored> ranked = terms.isEmpty() ? List.of() : rank(window(userId), terms);
        int end = Math.min(ranked.size(), offset + s.limit());
        List<ServerEvent.SearchHit> hits = new ArrayList<>();
        for (Scored r : ranked.subList(Math.min(offset, end), end)) {
            StoredMessage m = r.candidate().message();
            hits.add(new ServerEvent.SearchHit(m.sessionId(), r.candidate().session().title(), m.turnId(),
                    m.role().wire(), SearchText.excerpt(m.text(), r.hit()),
                    Instant.ofEpochMilli(m.createdAtMillis()).toString(), Math.round(r.score() * 1000) / 1000.0,
                    m.branch().superseded() ? Boolean.TRUE : null));
        }
        LOG.info("search: {} terms, {} results, {} returned", terms.size(), ranked.size(), hits.size());
        return new ServerEvent.SearchResults(s.query(), hits,
                end < ranked.size() ? BoundCursor.encode(KIND, binding, Integer.toString(end)) : null);
    }

    /** The messages searched: the newest of the most recently updated sessions, the caller's only. */
    private List<Candidate> window(String userId) {
        List<Session> all = new ArrayList<>();
        String cursor = null;
        do {
            Page<Session> page = sessions.list(userId, Limits.MAX_PAGE, cursor);
            all.addAll(page.items());
            cursor = page.nextCursor();
        } while (cursor != null);
        all.sort(Comparator.comparingLong(Session::updatedAtMillis).reversed().thenComparing(Session::sessionId));
        List<Candidate> out = new ArrayList<>();
        for (Session session : all.subList(0, Math.min(SESSIONS, all.size()))) {
            int read = 0;
            String page = null;
            do {
                int limit = Math.min(Limits.MAX_PAGE, MESSAGES_PER_SESSION - read);
                Page<StoredMessage> p = messages.history(userId, session.sessionId(), limit, page);
                for (StoredMessage m : p.items()) {
                    if (m.role() != Role.TOOL && !m.hiddenCopy() && !m.text().isBlank()) {
                        out.add(new Candidate(session, m, SearchText.documentTokens(m.text())));
                    }
                }
                read += p.items().size();
                page = p.nextCursor();
            } while (page != null && read < MESSAGES_PER_SESSION);
        }
        return out;
    }

    /** The candidates holding a term, best first (ties: the newer first). */
    private static List<Scored> rank(List<Candidate> window, Set<String> terms) {
        double[] scores = SearchText.bm25(window.stream().map(Candidate::tokens).toList(), terms);
        List<Scored> out = new ArrayList<>();
        for (int i = 0; i < window.size(); i++) {
            if (scores[i] > 0) {
                out.add(new Scored(window.get(i), scores[i], SearchText.firstHit(window.get(i).tokens(), terms)));
            }
        }
        out.sort(Comparator.comparingDouble(Scored::score).reversed()
                .thenComparing(r -> r.candidate().message().createdAtMillis(), Comparator.reverseOrder())
                .thenComparing(r -> r.candidate().message().sessionId())
                .thenComparing(r -> r.candidate().message().turnId())
                .thenComparing(r -> r.candidate().message().role()));
        return out;
    }
}
