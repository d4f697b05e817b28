package dev.switchboard.turn;

import dev.switchboard.agent.ModelCatalog;
import dev.switchboard.agent.ModelChoice;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.Session;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.port.ConnectionGateway;
import dev.switchboard.port.ConnectionStore;
import dev.switchboard.port.MessageStore;
import dev.switchboard.port.SessionStore;
import dev.switchboard.protocol.Limits;
import dev.switchboard.protocol.ProtocolCodec;
import dev.switchboard.protocol.ServerEvent;
import dev.switchboard.usecase.Broadcaster;
import dev.switchboard.usecase.SessionControl;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The title the session's model writes after the session's first answer: one model call, in the user's background
 * job after {@code done} (never on a turn's path), charged to the user's daily budget. The title is set only while
 * the session still has its first title (the start of the first message, or createSession's default), so a rename
 * that came first is never overwritten; the new title is pushed to the owner's connections as a {@code session}
 * event. When the model is offline, the budget is spent, or the call fails, the first title stays.
 */
public final class SessionTitles {
    private static final Logger LOG = LoggerFactory.getLogger(SessionTitles.class);
    /** How a title request starts (its system prompt): tests tell background calls from turns by it. */
    public static final String MARKER = "[switchboard:session-title]";
    static final String PROMPT = MARKER + " Write a title for the conversation below: at most 6 words, in the conversation's "
            + "language, no quotes, no trailing punctuation. Answer with the title only.";
    /** Of the first question and answer, this many characters each are shown to the model. */
    static final int EXCERPT_CHARS = 1_500;

    private final MessageStore messages;
    private final SessionStore sessions;
    private final ModelCatalog models;
    private final ConnectionStore connections;
    private final ConnectionGateway gateway;
    private final ProtocolCodec codec;
    private final TokenBudget budget;

    SessionTitles(MessageStore messages, SessionStore sessions, ModelCatalog models, ConnectionStore connections,
                  ConnectionGateway gateway, ProtocolCodec codec, TokenBudget budget) {
        this.messages = messages;
        this.sessions = sessions;
        this.models = models;
        this.connections = connections;
        this.gateway = gateway;
        this.codec = codec;
        this.budget = budget;
    }

    /** How many of the session's newest messages up to the turn's answer tell whether it was the first answer. */
    static final int MESSAGES_TO_READ = 3;

    /** After the answer of {@code job}'s turn: titles the session when it was its first. Never throws. */
    void afterAnswer(TurnRequest job, int receiveCount) {
        try {
            title(job, receiveCount, messages.recentUpTo(job.userId(), job.sessionId(), job.turnId(),
                    MESSAGES_TO_READ), () -> budget.left(job.userId()));
        } catch (RuntimeException e) {
            LOG.warn("session title not generated, the first title stays: {}", e.getClass().getSimpleName());
        }
    }

    /**
     * {@link #afterAnswer(TurnRequest, int)} with the session's newest {@link #MESSAGES_TO_READ} messages up to the
     * turn's answer already read (the memory job reads them once for both), and the job's budget check.
     */
    void afterAnswer(TurnRequest job, int receiveCount, List<StoredMessage> upTo, BooleanSupplier budgetLeft) {
        try {
            title(job, receiveCount, upTo, budgetLeft);
        } catch (RuntimeException e) {
            LOG.warn("session title not generated, the first title stays: {}", e.getClass().getSimpleName());
        }
    }

    /** @param budgetLeft the budget check before the title's model call */
    private void title(TurnRequest job, int receiveCount, List<StoredMessage> upTo, BooleanSupplier budgetLeft) {
        StoredMessage question = StoredMessage.find(upTo, job.turnId(), Role.USER);
        StoredMessage answer = StoredMessage.find(upTo, job.turnId(), Role.ASSISTANT);
        if (question == null || answer == null || answer.status() != null || upTo.size() > 2
                || question.branch().replaces() != null) {
            return; // not the session's first answer
        }
        Optional<Session> session = sessions.get(job.userId(), job.sessionId());
        if (session.isEmpty()) {
            return;
        }
        String current = session.get().title();
        if (!Session.titleFrom(question.text()).equals(current) && !Session.UNTITLED.equals(current)) {
            LOG.info("session title: renamed already, kept");
            return;
        }
        ModelChoice model = models.forSession(session.get().model());
        if (model.offline()) {
            return;
        }
        if (!budgetLeft.getAsBoolean()) {
            LOG.info("session title: the user's daily token budget is spent, the first title stays");
            return;
        }
        String callId = "title#" + job.turnId() + "#" + receiveCount;
        String generated = clean(UserDataJobs.complete(model, PROMPT, "User: " + excerpt(question.text())
                + "\n\nAssistant: " + excerpt(answer.text()), spent -> budget.charge(job.userId(), callId, spent)));
        if (generated.isEmpty()) {
            return;
        }
        sessions.retitle(job.userId(), job.sessionId(), current, generated).ifPresentOrElse(renamed -> {
            new Broadcaster(connections.listByUser(job.userId()), gateway, connections, codec)
                    .send(new ServerEvent.SessionInfo(SessionControl.summary(renamed)));
            LOG.info("session titled by the model");
        }, () -> LOG.info("session title: renamed meanwhile, kept"));
    }

    private static String excerpt(String text) {
        return text.codePointCount(0, text.length()) <= EXCERPT_CHARS ? text
                : text.substring(0, text.offsetByCodePoints(0, EXCERPT_CHARS));
    }

    /** The model's title on one line, without quotes or a trailing full stop, at most the session title limit. */
    static String clean(String raw) {
        String t = raw.strip().replaceAll("\\s+", " ");
        t = t.replaceAll("^(?i)title:\\s*", "").replaceAll("[.。]+$", "");
        t = t.replaceAll("^[\"'“”«»*`]+|[\"'“”«»*`]+$", "").replaceAll("[.。]+$", "").strip();
        int max = Math.min(Limits.MAX_TITLE_CHARS, 80);
        return t.codePointCount(0, t.length()) <= max ? t : t.substring(0, t.offsetByCodePoints(0, max)).strip() + "…";
    }
}
