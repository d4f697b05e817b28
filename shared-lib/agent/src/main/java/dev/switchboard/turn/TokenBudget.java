package dev.switchboard.turn;

import dev.switchboard.port.Clock;
import dev.switchboard.port.TurnStanding;
import dev.switchboard.usecase.TurnLimits;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The user's daily token budget as the worker's model calls see it: asked before every call (a failed read fails the
 * job, so the model is never called unchecked), and charged with every call's tokens, once per call id (best effort:
 * a failed charge is logged, the turn goes on).
 */
final class TokenBudget {
    private static final Logger LOG = LoggerFactory.getLogger(TokenBudget.class);

    private final TurnLimits limits;
    private final Clock clock;

    TokenBudget(TurnLimits limits, Clock clock) {
        this.limits = limits;
        this.clock = clock;
    }

    boolean left(String userId) {
        return limits.budgetLeft(userId, clock.millis());
    }

    /**
     * The budget checks of one background job: the first is answered by what the job's turn saw ({@code seenLeft}:
     * the budget was left after the turn's own calls), every later one, or the first when the turn saw nothing, reads.
     */
    BooleanSupplier forJob(String userId, boolean seenLeft) {
        AtomicBoolean unused = new AtomicBoolean(seenLeft);
        return () -> unused.getAndSet(false) || left(userId);
    }

    /** Whether {@code dayTokens} (the day's tokens after a turn's calls; -1: not read) leave budget for more. */
    boolean leftAfter(long dayTokens) {
        return dayTokens >= 0 && limits.budgetLeft(dayTokens);
    }

    /** {@link #left(String)} from the day's tokens read just before (with the knowledge version). */
    boolean left(TurnStanding.Standing standing) {
        return limits.budgetLeft(standing.tokensUsedToday());
    }

    void charge(String userId, String callId, TokenCount tokens) {
        try {
            limits.charge(userId, callId, clock.millis(), tokens.total()); // false: charged already, nothing added
        } catch (RuntimeException e) {
            LOG.warn("tokens of a model call not added to the daily budget: {}", e.getClass().getSimpleName());
        }
    }
}
