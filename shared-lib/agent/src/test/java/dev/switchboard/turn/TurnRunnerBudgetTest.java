package dev.switchboard.turn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.agent.AgentFactory;
import dev.switchboard.agent.ModelChoice;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.port.Metrics;
import dev.switchboard.protocol.ServerEvent;
import dev.switchboard.port.TurnStanding;
import dev.switchboard.testing.InMemoryKnowledgeVersions;
import dev.switchboard.testing.InMemoryTurnStanding;
import dev.switchboard.testing.InMemoryUserQuotas;
import java.util.concurrent.atomic.AtomicInteger;
import dev.switchboard.usecase.TurnLimits;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The daily token budget as the worker applies it: checked before every model call, every call charged once
 * (usage as reported, or the estimate for a call that failed), and the running-answer slot released however the turn
 * ends.
 */
class TurnRunnerBudgetTest extends TurnFixture {
    private static final String SESSION = "s-budget";
    private final InMemoryUserQuotas quotas = new InMemoryUserQuotas();

    TurnRunnerBudgetTest() {
        super(SESSION, 1_800_000_000_000L);
    }

    @BeforeEach
    void setUp() {
        connect(ALICE, "a1");
    }

    private TurnRunner runner(ScriptedChatModel model, long tokensPerDay) {
        return runner(model, tokensPerDay, null);
    }

    private TurnRunner runner(ScriptedChatModel model, long tokensPerDay, TurnStanding standing) {
        return new TurnRunner(messages, sessions, connections, gateway,
                new AgentFactory(new ModelChoice(model, "scripted", false), "You are helpful."), codec, now::get,
                new TurnSettings(20, 0, 256, 2), AfterAnswer.NONE, Metrics.NONE,
                new TurnLimits(quotas, 0, 4, tokensPerDay), standing);
    }

    /** Counts the budget reads of the quotas (the day item's GetItem in DynamoDB). */
    private final AtomicInteger budgetReads = new AtomicInteger();
    private final InMemoryUserQuotas countedQuotas = new InMemoryUserQuotas() {
        @Override
        public synchronized long tokensUsed(String userId, long nowMillis) {
            budgetReads.incrementAndGet();
            return quotas.tokensUsed(userId, nowMillis);
        }
    };

    private ServerEvent.Done done(TurnRequest t) {
        return eventsTo("a1").stream().filter(ServerEvent.Done.class::isInstance).map(ServerEvent.Done.class::cast)
                .filter(d -> d.turnId().equals(t.turnId())).findFirst().orElseThrow();
    }

    @Test
    void anAnsweredCallIsChargedWhatTheModelReportedOnce() {
        ScriptedChatModel model = ScriptedChatModel.answering("one ", "two");
        TurnRequest t = accepted("hello");
        assertThat(runner(model, 1_000).run(t, 1, 60_000)).isEqualTo(TurnRunner.Outcome.ANSWERED);
        assertThat(quotas.tokensUsed(ALICE, now.get())).isEqualTo(ScriptedChatModel.INPUT_TOKENS + 2);
        assertThat(done(t).usage().totalTokens()).isEqualTo(ScriptedChatModel.INPUT_TOKENS + 2);
        // a redelivery of the answered turn calls no model and charges nothing
        assertThat(runner(model, 1_000).run(t, 2, 60_000)).isEqualTo(TurnRunner.Outcome.ALREADY_ANSWERED);
        assertThat(quotas.tokensUsed(ALICE, now.get())).isEqualTo(ScriptedChatModel.INPUT_TOKENS + 2);
    }

    @Test
    void aTurnAdmittedWithBudgetLeftStopsBeforeTheModelOnceItIsSpent() {
        ScriptedChatModel model = ScriptedChatModel.answering("never");
        TurnRequest t = accepted("hello");
        quotas.charge(ALICE, "earlier", now.get(), 1_000);
        assertThat(runner(model, 1_000).run(t, 1, 60_000)).isEqualTo(TurnRunner.Outcome.OUT_OF_BUDGET);
        assertThat(model.requests).isEmpty();
        assertThat(done(t).finishReason()).isEqualTo("BUDGET_EXHAUSTED");
        assertThat(answer(t).status()).isEqualTo(StoredMessage.OUT_OF_BUDGET);
        assertThat(session().busy()).isFalse();
    }

    @Test
    void theFirstCallsBudgetComesFromTheStandingReadWithTheKnowledgeVersion() {
        ScriptedChatModel model = ScriptedChatModel.answering("never");
        TurnRequest t = accepted("hello");
        // the standing says the day is spent (the quotas' own read would say it is not): the standing decides
        TurnStanding spent = (user, at) -> new TurnStanding.Standing(1_000, 0);
        assertThat(runner(model, 1_000, spent).run(t, 1, 60_000)).isEqualTo(TurnRunner.Outcome.OUT_OF_BUDGET);
        assertThat(model.requests).isEmpty();
        assertThat(done(t).finishReason()).isEqualTo("BUDGET_EXHAUSTED");
    }

    @Test
    void withAStandingTheFirstCallReadsNoBudgetOfItsOwn() {
        ScriptedChatModel model = ScriptedChatModel.answering("one ", "two");
        TurnRequest t = accepted("hello");
        TurnRunner runner = new TurnRunner(messages, sessions, connections, gateway,
                new AgentFactory(new ModelChoice(model, "scripted", false), "You are helpful."), codec, now::get,
                new TurnSettings(20, 0, 256, 2), AfterAnswer.NONE, Metrics.NONE,
                new TurnLimits(countedQuotas, 0, 4, 1_000),
                new InMemoryTurnStanding(quotas, new InMemoryKnowledgeVersions()));
        assertThat(runner.run(t, 1, 60_000)).isEqualTo(TurnRunner.Outcome.ANSWERED);
        assertThat(budgetReads).as("the standing's read served the only model call").hasValue(0);

        TurnRunner unstanding = new TurnRunner(messages, sessions, connections, gateway,
                new AgentFactory(new ModelChoice(model, "scripted", false), "You are helpful."), codec, now::get,
                new TurnSettings(20, 0, 256, 2), AfterAnswer.NONE, Metrics.NONE,
                new TurnLimits(countedQuotas, 0, 4, 1_000));
        assertThat(unstanding.run(accepted("once more"), 1, 60_000)).isEqualTo(TurnRunner.Outcome.ANSWERED);
        assertThat(budgetReads).as("without a standing the call reads the budget itself").hasValue(1);
    }

    @Test
    void theLastCallsChargeAndTheSlotsReleaseAreOneWriteAsTheTurnEnds() {
        AtomicInteger combined = new AtomicInteger();
        AtomicInteger alone = new AtomicInteger();
        InMemoryUserQuotas counting = new InMemoryUserQuotas() {
            private boolean inCombined;

            @Override
            public synchronized boolean chargeAndReleaseSlot(String userId, String callId, long nowMillis,
                                                             long tokens, String sessionId, String clientMessageId) {
                combined.incrementAndGet();
                inCombined = true;
                try {
                    return super.chargeAndReleaseSlot(userId, callId, nowMillis, tokens, sessionId, clientMessageId);
                } finally {
                    inCombined = false;
                }
            }

            @Override
            public synchronized boolean charge(String userId, String callId, long nowMillis, long tokens) {
                if (!inCombined) {
                    alone.incrementAndGet();
                }
                return super.charge(userId, callId, nowMillis, tokens);
            }

            @Override
            public synchronized void releaseSlot(String userId, String sessionId, String clientMessageId) {
                if (!inCombined) {
                    alone.incrementAndGet();
                }
                super.releaseSlot(userId, sessionId, clientMessageId);
            }
        };
        ScriptedChatModel model = ScriptedChatModel.answering("one ", "two");
        TurnRequest t = accepted("hello");
        counting.tryTakeSlot(ALICE, SESSION, t.clientMessageId(), now.get(), 1, TurnLimits.SLOT_HOLD_MILLIS);
        TurnRunner runner = new TurnRunner(messages, sessions, connections, gateway,
                new AgentFactory(new ModelChoice(model, "scripted", false), "You are helpful."), codec, now::get,
                new TurnSettings(20, 0, 256, 2), AfterAnswer.NONE, Metrics.NONE,
                new TurnLimits(counting, 0, 1, 1_000));

        assertThat(runner.run(t, 1, 60_000)).isEqualTo(TurnRunner.Outcome.ANSWERED);

        assertThat(combined).as("the charge and the release in one write").hasValue(1);
        assertThat(alone).as("neither on its own").hasValue(0);
        assertThat(counting.tokensUsed(ALICE, now.get())).isEqualTo(ScriptedChatModel.INPUT_TOKENS + 2);
        assertThat(counting.tryTakeSlot(ALICE, "other", "c", now.get(), 1, TurnLimits.SLOT_HOLD_MILLIS))
                .as("the slot is free").isTrue();
    }

    @Test
    void everyDeliveryOfAFailingTurnIsChargedItsEstimateAndTheLastReleasesTheSlot() {
        ScriptedChatModel model = ScriptedChatModel.failing();
        TurnRequest t = accepted("x".repeat(400));
        quotas.tryTakeSlot(ALICE, SESSION, t.clientMessageId(), now.get(), 1, TurnLimits.SLOT_HOLD_MILLIS);
        assertThatThrownBy(() -> runner(model, 1_000_000).run(t, 1, 60_000)).isInstanceOf(RuntimeException.class);
        long afterFirst = quotas.tokensUsed(ALICE, now.get());
        assertThat(afterFirst).as("the prompt's estimate: 400 characters are 100 tokens").isGreaterThanOrEqualTo(100);
        assertThat(quotas.tryTakeSlot(ALICE, "other", "c", now.get(), 1, TurnLimits.SLOT_HOLD_MILLIS))
                .as("the turn will be retried: it keeps its slot").isFalse();
        assertThatThrownBy(() -> runner(model, 1_000_000).run(t, 2, 60_000)).isInstanceOf(RuntimeException.class);
        assertThat(quotas.tokensUsed(ALICE, now.get())).as("the redelivery's call is another call")
                .isEqualTo(2 * afterFirst);
        assertThat(model.requests).hasSize(2);
        assertThat(quotas.tryTakeSlot(ALICE, "other", "c", now.get(), 1, TurnLimits.SLOT_HOLD_MILLIS))
                .as("given up: the slot is free").isTrue();
    }

    @Test
    void anAnsweredTurnReleasesItsSlot() {
        TurnRequest t = accepted("hello");
        quotas.tryTakeSlot(ALICE, SESSION, t.clientMessageId(), now.get(), 1, TurnLimits.SLOT_HOLD_MILLIS);
        runner(ScriptedChatModel.answering("hi"), 0).run(t, 1, 60_000);
        assertThat(quotas.tryTakeSlot(ALICE, "other", "c", now.get(), 1, TurnLimits.SLOT_HOLD_MILLIS)).isTrue();
    }
}
