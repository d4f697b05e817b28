package dev.switchboard.turn;

import dev.switchboard.domain.TurnRequest;
import dev.switchboard.port.Clock;
import dev.switchboard.usecase.TurnLimits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of a turn's model-call charges and its running-answer slot. Each call's charge is held back until the next
 * call's budget check (which must see it), the call's tools, or the turn's end (its last call ended:
 * {@link TurnCompletion#finish}); there the last call's charge and the slot's release go in one write
 * ({@link TurnLimits#chargeAndRelease}: one DynamoDB transaction where the two took two requests). A run that goes on
 * in another invocation (handed on, held) or fails charges what it holds on its own and keeps or lapses its slot as
 * before. Best effort, as each part was: a failed write is logged, the turn goes on. Used by the turn's own thread.
 */
final class HeldCharge {
    private static final Logger LOG = LoggerFactory.getLogger(HeldCharge.class);

    private final TokenBudget budget;
    private final TurnLimits limits;
    private final Clock clock;
    private final TurnRequest turn;
    private String callId;
    private TokenCount tokens;
    private boolean ended;

    HeldCharge(TokenBudget budget, TurnLimits limits, Clock clock, TurnRequest turn) {
        this.budget = budget;
        this.limits = limits;
        this.clock = clock;
        this.turn = turn;
    }

    /** A model call ended: its tokens are held (an earlier call's still held are charged first). */
    void hold(String callId, TokenCount tokens) {
        charge();
        this.callId = callId;
        this.tokens = tokens;
    }

    /** Charges the held call now, on its own (before a budget check, or as the run goes on elsewhere or fails). */
    void charge() {
        if (callId != null) {
            budget.charge(turn.userId(), callId, tokens);
            callId = null;
        }
    }

    /** The turn ended (however it ended): the held call is charged and the slot freed, in one write; once. */
    void endTurn() {
        if (ended) {
            return;
        }
        ended = true;
        String held = callId;
        callId = null;
        try {
            if (held == null) {
                limits.release(turn.userId(), turn.sessionId(), turn.clientMessageId());
            } else {
                limits.chargeAndRelease(turn.userId(), held, clock.millis(), tokens.total(), turn.sessionId(),
                        turn.clientMessageId());
            }
        } catch (RuntimeException e) {
            LOG.warn("could not {} the running-answer slot (it lapses by itself): {}",
                    held == null ? "release" : "charge the last model call and release", e.getClass().getSimpleName());
        }
    }
}
