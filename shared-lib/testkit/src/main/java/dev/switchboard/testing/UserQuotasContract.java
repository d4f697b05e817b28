package dev.switchboard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.port.UserQuotas;
import dev.switchboard.port.UserQuotas.Verdict;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@link UserQuotas} port's contract, for every implementation. */
public abstract class UserQuotasContract {
    private static final long NOW = 1_795_000_020_000L; // 20 s into a minute
    protected UserQuotas quotas;
    protected String user;

    protected abstract UserQuotas quotas();

    @BeforeEach
    void setUpContract() {
        quotas = quotas();
        user = "user-" + UUID.randomUUID();
    }

    @Test
    void turnsPerMinuteAreCountedAndTheNextMinuteStartsAfresh() {
        for (int i = 0; i < 3; i++) {
            assertThat(quotas.tryStartTurn(user, NOW + i, 3, 0)).isEqualTo(Verdict.OK);
        }
        assertThat(quotas.tryStartTurn(user, NOW + 10, 3, 0)).isEqualTo(Verdict.TURNS_PER_MINUTE);
        assertThat(quotas.tryStartTurn(user, NOW + 60_000, 3, 0)).isEqualTo(Verdict.OK);
        assertThat(quotas.tryStartTurn("other-" + user, NOW, 3, 0)).isEqualTo(Verdict.OK);
    }

    @Test
    void tokensPerDayStopTurnsUntilTheNextDay() {
        assertThat(quotas.tryStartTurn(user, NOW, 0, 100)).isEqualTo(Verdict.OK);
        quotas.charge(user, "call-1", NOW, 60);
        assertThat(quotas.tryStartTurn(user, NOW + 1, 0, 100)).isEqualTo(Verdict.OK);
        quotas.charge(user, "call-2", NOW + 1, 40);
        assertThat(quotas.tryStartTurn(user, NOW + 2, 0, 100)).isEqualTo(Verdict.TOKENS_PER_DAY);
        assertThat(quotas.tryStartTurn(user, NOW + 86_400_000, 0, 100)).isEqualTo(Verdict.OK);
    }

    @Test
    void noLimitsMeansEveryTurnStarts() {
        for (int i = 0; i < 50; i++) {
            assertThat(quotas.tryStartTurn(user, NOW, 0, 0)).isEqualTo(Verdict.OK);
        }
    }

    @Test
    void eachCallIsChargedOnceAndOnlyToItsUsersDay() {
        assertThat(quotas.tokensUsed(user, NOW)).isZero();
        assertThat(quotas.charge(user, "t-1#1#0", NOW, 70)).isTrue();
        assertThat(quotas.charge(user, "t-1#1#0", NOW + 5, 70)).as("the same call again").isFalse();
        assertThat(quotas.charge(user, "t-1#2#0", NOW + 6, 30)).as("the redelivery's own call").isTrue();
        assertThat(quotas.tokensUsed(user, NOW + 7)).isEqualTo(100);
        assertThat(quotas.tokensUsed("other-" + user, NOW + 7)).isZero();
        assertThat(quotas.tokensUsed(user, NOW + 86_400_000)).as("the next day").isZero();
    }

    @Test
    void aSessionHoldsOneSlotUntilItsNewestTurnReleasesIt() {
        assertThat(quotas.tryTakeSlot(user, "s1", "c1", NOW, 2, 60_000)).isTrue();
        assertThat(quotas.tryTakeSlot(user, "s1", "c2", NOW, 2, 60_000)).as("the same session again").isTrue();
        assertThat(quotas.tryTakeSlot(user, "s2", "c1", NOW, 2, 60_000)).isTrue();
        assertThat(quotas.tryTakeSlot(user, "s3", "c1", NOW, 2, 60_000)).as("both slots held").isFalse();
        assertThat(quotas.tryTakeSlot("other-" + user, "s3", "c1", NOW, 2, 60_000)).isTrue();
        quotas.releaseSlot(user, "s1", "c1"); // an older turn of s1 ends: s1's newest turn keeps the slot
        assertThat(quotas.tryTakeSlot(user, "s3", "c1", NOW, 2, 60_000)).isFalse();
        quotas.releaseSlot(user, "s1", "c2");
        assertThat(quotas.tryTakeSlot(user, "s3", "c1", NOW, 2, 60_000)).isTrue();
        assertThat(quotas.tryTakeSlot(user, "s4", "c1", NOW + 60_001, 2, 60_000))
                .as("a slot held past its hold time is free").isTrue();
    }

    @Test
    void theLastCallsChargeAndTheSlotsReleaseGoTogether() {
        assertThat(quotas.tryTakeSlot(user, "s1", "c1", NOW, 1, 60_000)).isTrue();
        assertThat(quotas.chargeAndReleaseSlot(user, "t-1#1#0", NOW, 70, "s1", "c1")).isTrue();
        assertThat(quotas.tokensUsed(user, NOW)).isEqualTo(70);
        assertThat(quotas.tryTakeSlot(user, "s2", "c1", NOW, 1, 60_000)).as("the slot is free").isTrue();
    }

    @Test
    void aChargeWithTheReleaseOfASlotTakenOverStillCountsAndLeavesTheNewerTurnsSlot() {
        assertThat(quotas.tryTakeSlot(user, "s1", "c1", NOW, 1, 60_000)).isTrue();
        assertThat(quotas.tryTakeSlot(user, "s1", "c2", NOW, 1, 60_000)).as("the session's newer turn").isTrue();
        assertThat(quotas.chargeAndReleaseSlot(user, "t-1#1#0", NOW, 70, "s1", "c1")).isTrue();
        assertThat(quotas.tokensUsed(user, NOW)).isEqualTo(70);
        assertThat(quotas.tryTakeSlot(user, "s2", "c1", NOW, 1, 60_000)).as("still the newer turn's").isFalse();
    }

    @Test
    void aChargedCallWithTheReleaseAddsNothingAndStillFreesTheSlot() {
        assertThat(quotas.charge(user, "t-1#1#0", NOW, 70)).isTrue();
        assertThat(quotas.tryTakeSlot(user, "s1", "c1", NOW, 1, 60_000)).isTrue();
        assertThat(quotas.chargeAndReleaseSlot(user, "t-1#1#0", NOW, 70, "s1", "c1")).isFalse();
        assertThat(quotas.tokensUsed(user, NOW)).isEqualTo(70);
        assertThat(quotas.tryTakeSlot(user, "s2", "c1", NOW, 1, 60_000)).as("the slot is free").isTrue();
    }

    @Test
    void aChargeWithTheReleaseOfNoSlotAtAllCounts() {
        assertThat(quotas.chargeAndReleaseSlot(user, "t-1#1#0", NOW, 70, "s1", "c1")).isTrue();
        assertThat(quotas.tokensUsed(user, NOW)).isEqualTo(70);
    }

    @Test
    void startingATurnWithASlotCountsTheMinuteAndTakesTheSlotTogether() {
        assertThat(quotas.tryStartTurnWithSlot(user, "s1", "c1", NOW, 3, 0, 1, 60_000)).isEqualTo(Verdict.OK);
        assertThat(quotas.tryStartTurnWithSlot(user, "s1", "c2", NOW, 3, 0, 1, 60_000))
                .as("the session's own slot, taken over").isEqualTo(Verdict.OK);
        assertThat(quotas.tryStartTurnWithSlot(user, "s2", "c1", NOW, 3, 0, 1, 60_000))
                .isEqualTo(Verdict.RUNNING_ANSWERS);
        assertThat(quotas.tryStartTurn(user, NOW, 3, 0)).as("the refused turn was counted in its minute")
                .isEqualTo(Verdict.TURNS_PER_MINUTE);
        assertThat(quotas.tryStartTurnWithSlot(user, "s1", "c3", NOW, 3, 0, 1, 60_000))
                .isEqualTo(Verdict.TURNS_PER_MINUTE);
        quotas.releaseSlot(user, "s1", "c2");
        assertThat(quotas.tryTakeSlot(user, "s2", "c1", NOW, 1, 60_000))
                .as("a turn refused for its minute takes no slot: s1's was released").isTrue();
        assertThat(quotas.tryStartTurnWithSlot(user, "s3", "c1", NOW + 60_000, 3, 0, 1, 60_000))
                .as("s2 holds the only slot").isEqualTo(Verdict.RUNNING_ANSWERS);
        assertThat(quotas.tryStartTurnWithSlot(user, "s3", "c1", NOW + 60_001, 3, 0, 1, 60_000))
                .as("s2's slot lapsed").isEqualTo(Verdict.OK);
    }

    @Test
    void tokensPerDayStopATurnWithASlotBeforeItTakesOne() {
        quotas.charge(user, "call-1", NOW, 100);
        assertThat(quotas.tryStartTurnWithSlot(user, "s1", "c1", NOW, 0, 100, 1, 60_000))
                .isEqualTo(Verdict.TOKENS_PER_DAY);
        assertThat(quotas.tryTakeSlot(user, "s2", "c1", NOW, 1, 60_000)).as("no slot was taken").isTrue();
    }

    @Test
    void lapsedSlotsAreAllFreedAndCountedOnce() {
        assertThat(quotas.tryTakeSlot(user, "s1", "c1", NOW, 2, 60_000)).isTrue();
        assertThat(quotas.tryTakeSlot(user, "s2", "c1", NOW, 2, 60_000)).isTrue();
        long later = NOW + 60_001;

        assertThat(quotas.tryTakeSlot(user, "s3", "c1", later, 2, 60_000)).as("both lapsed").isTrue();
        assertThat(quotas.tryTakeSlot(user, "s4", "c1", later, 2, 60_000)).as("the other lapsed one").isTrue();
        assertThat(quotas.tryTakeSlot(user, "s5", "c1", later, 2, 60_000)).as("s3 and s4 hold both").isFalse();
        quotas.releaseSlot(user, "s1", "c1"); // a lapsed slot's late release frees nothing of the others'
        assertThat(quotas.tryTakeSlot(user, "s5", "c1", later, 2, 60_000)).isFalse();
        quotas.releaseSlot(user, "s3", "c1");
        assertThat(quotas.tryTakeSlot(user, "s5", "c1", later, 2, 60_000)).isTrue();
        assertThat(quotas.tryTakeSlot(user, "s5", "c2", later, 2, 60_000)).as("its own slot, taken over").isTrue();
        assertThat(quotas.tryTakeSlot(user, "s6", "c1", later, 2, 60_000)).isFalse();
    }

    @Test
    void parallelSessionsNeverHoldMoreSlotsThanAllowed() throws Exception {
        int sessions = 20;
        java.util.concurrent.atomic.AtomicInteger taken = new java.util.concurrent.atomic.AtomicInteger();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(8)) {
            java.util.List<java.util.concurrent.Future<?>> all = new java.util.ArrayList<>();
            for (int i = 0; i < sessions; i++) {
                String session = "s" + i;
                all.add(pool.submit(() -> {
                    if (quotas.tryTakeSlot(user, session, "c", NOW, 3, 60_000)) {
                        taken.incrementAndGet();
                    }
                }));
            }
            for (var f : all) {
                f.get();
            }
        }
        assertThat(taken.get()).isEqualTo(3);
    }
}
