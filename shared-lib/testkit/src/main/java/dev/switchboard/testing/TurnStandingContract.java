package dev.switchboard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.domain.TurnRequest;
import dev.switchboard.port.KnowledgeVersions;
import dev.switchboard.port.PendingTurns;
import dev.switchboard.port.TurnStanding;
import dev.switchboard.port.TurnStanding.Standing;
import dev.switchboard.port.UserQuotas;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link TurnStanding} port's contract: it reads what {@link UserQuotas} charged today, what
 * {@link KnowledgeVersions} bumped and whether {@link PendingTurns} holds a job of the user's own group, for the asked
 * user only, whatever else the user's partition holds.
 */
public abstract class TurnStandingContract {
    private static final long NOW = 1_795_000_020_000L;
    private static final long DAY = 86_400_000L;
    protected String user;
    private UserQuotas quotas;
    private KnowledgeVersions versions;
    private PendingTurns pending;
    private TurnStanding standing;

    protected abstract UserQuotas quotas();

    protected abstract KnowledgeVersions versions();

    protected abstract PendingTurns pending();

    /** Reads what {@code quotas}, {@code versions} and {@code pending} (the same store) wrote. */
    protected abstract TurnStanding standing(UserQuotas quotas, KnowledgeVersions versions, PendingTurns pending);

    @BeforeEach
    void setUpContract() {
        user = "user-" + UUID.randomUUID();
        quotas = quotas();
        versions = versions();
        pending = pending();
        standing = standing(quotas, versions, pending);
    }

    @Test
    void aNewUserHasSpentNothingAndHasVersionZero() {
        assertThat(standing.read(user, NOW)).isEqualTo(new Standing(0, 0));
    }

    @Test
    void todaysChargesAndTheBumpedVersionAreRead() {
        quotas.charge(user, "call-1", NOW, 60);
        quotas.charge(user, "call-2", NOW + 1, 40);
        versions.bump(user);
        versions.bump(user);
        assertThat(standing.read(user, NOW + 2)).isEqualTo(new Standing(100, 2));
    }

    @Test
    void yesterdaysTokensDoNotCountAndTheVersionStays() {
        quotas.charge(user, "call-1", NOW - DAY, 70);
        versions.bump(user);
        assertThat(standing.read(user, NOW)).isEqualTo(new Standing(0, 1));
    }

    @Test
    void whatElseThePartitionHoldsIsNotTakenForEither() {
        quotas.charge(user, "call-1", NOW, 5);
        assertThat(quotas.tryStartTurnWithSlot(user, "s-1", "c-1", NOW, 10, 1_000, 2, 60_000))
                .isEqualTo(UserQuotas.Verdict.OK);
        assertThat(standing.read(user, NOW)).isEqualTo(new Standing(5, 0));
    }

    @Test
    void aHeldJobOfTheUsersGroupIsSeenWithTheTokensAndTheVersion() {
        quotas.charge(user, "call-1", NOW, 30);
        versions.bump(user);
        pending.hold(new TurnRequest(user, "s-1", "t-1", null, NOW, TurnRequest.Kind.MEMORY, "m"));
        assertThat(standing.read(user, NOW)).isEqualTo(new Standing(30, 1, true));
    }

    @Test
    void manyHeldJobsOfTheUsersGroupLeaveTheTokensAndTheVersionRead() {
        quotas.charge(user, "call-1", NOW, 30);
        versions.bump(user);
        for (int i = 0; i < 40; i++) {
            pending.hold(new TurnRequest(user, "s-" + i, "t-" + i, null, NOW + i, TurnRequest.Kind.MEMORY, "m"));
        }
        assertThat(standing.read(user, NOW)).isEqualTo(new Standing(30, 1, true));
    }

    @Test
    void aHeldTurnOfASessionIsNotAJobOfTheUsersGroup() {
        quotas.charge(user, "call-1", NOW, 30);
        pending.hold(new TurnRequest(user, "s-1", "t-1", "c-1", NOW));
        assertThat(standing.read(user, NOW)).isEqualTo(new Standing(30, 0, false));
    }

    @Test
    void anotherUsersHeldJobIsNotSeen() {
        pending.hold(new TurnRequest("other-" + user, "s-1", "t-1", null, NOW, TurnRequest.Kind.INDEX, null));
        assertThat(standing.read(user, NOW)).isEqualTo(new Standing(0, 0, false));
    }

    @Test
    void anotherUsersTokensAndVersionAreNotRead() {
        quotas.charge("other-" + user, "call-1", NOW, 50);
        versions.bump("other-" + user);
        assertThat(standing.read(user, NOW)).isEqualTo(new Standing(0, 0));
    }
}
