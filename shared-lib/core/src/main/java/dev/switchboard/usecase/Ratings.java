package dev.switchboard.usecase;

import dev.switchboard.domain.Rating;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.port.Clock;
import dev.switchboard.port.MessageStore;
import dev.switchboard.port.SessionStore;
import dev.switchboard.port.UsageCounters;
import dev.switchboard.protocol.ClientAction;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.ServerEvent;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code rateMessage}: the user's up/down (and comment) stored on the answer of a turn, and counted per model in the
 * shared {@link UsageCounters} for the operator's {@code /stats} (a change or a clear counts against the minute it
 * happens, so a day's figure is the net of the ratings given that day; no text is counted).
 */
public final class Ratings {
    private static final Logger LOG = LoggerFactory.getLogger(Ratings.class);

    private final SessionStore sessions;
    private final MessageStore messages;
    private final Clock clock;
    private final UsageCounters counters;

    public Ratings(SessionStore sessions, MessageStore messages, Clock clock, UsageCounters counters) {
        this.sessions = sessions;
        this.messages = messages;
        this.clock = clock;
        this.counters = counters;
    }

    public ServerEvent rate(String userId, ClientAction.RateMessage r) {
        if (sessions.get(userId, r.sessionId()).isEmpty()) {
            return ServerEvent.Error.sessionNotFound(r.action(), r.sessionId());
        }
        long now = clock.millis();
        Rating rating = r.rating() == null ? null : new Rating(Rating.Value.fromWire(r.rating()), r.comment(), now);
        Optional<StoredMessage> before = messages.rate(userId, r.sessionId(), r.turnId(), rating);
        if (before.isEmpty()) {
            return new ServerEvent.Error(ErrorCode.TURN_NOT_FOUND.name(), "No answer of that turn in this session",
                    r.action(), r.sessionId(), r.turnId(), null);
        }
        count(before.get(), rating, now);
        LOG.info("answer rated: {}", r.rating() == null ? "cleared" : r.rating());
        return new ServerEvent.Rated(r.sessionId(), r.turnId(), r.rating(), r.comment());
    }

    private void count(StoredMessage answer, Rating now, long nowMillis) {
        Map<String, Long> amounts = new HashMap<>();
        if (answer.rating() != null) {
            amounts.merge(UsageCounters.rating(answer.rating().value().wire(), answer.model()), -1L, Long::sum);
        }
        if (now != null) {
            amounts.merge(UsageCounters.rating(now.value().wire(), answer.model()), 1L, Long::sum);
        }
        amounts.values().removeIf(v -> v == 0);
        if (amounts.isEmpty()) {
            return;
        }
        try {
            counters.add(nowMillis, amounts);
        } catch (RuntimeException e) {
            LOG.warn("rating counters not written: {}", e.getClass().getSimpleName());
        }
    }
}
