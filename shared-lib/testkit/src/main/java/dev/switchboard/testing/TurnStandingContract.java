package dev.switchboard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.port.KnowledgeVersions;
import dev.switchboard.port.TurnStanding;
import dev.switchboard.port.TurnStanding.Standing;
import dev.switchboard.port.UserQuotas;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link TurnStanding} port's contract: it reads what {@link UserQuotas} charged today and what
 * {@link KnowledgeVersions} bumped, for the asked user only, whatever else the user's partition holds.
 */
public abstract class TurnStandingContract {
    private static final long NOW = 1_795_000_020_000L;
    private static final long DAY = 86_400_000L;
    protected String user;
    private UserQuotas quotas;
    private KnowledgeVersions versions;
    private TurnStanding standing;

    protected abstract UserQuotas quotas();

    protected abstract KnowledgeVersions versions();

    /** Reads what {@code quotas} and {@code versions} (the same store) wrote. */
    protected abstract TurnStanding standing(UserQuotas quotas, KnowledgeVersions versions);

    @BeforeEach
    void setUpContract() {
        user = "user-" + UUID.randomUUID();
        quotas = quotas();
        versions = versions();
        standing = standing(quotas, versions);
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
    void anotherUsersTokensAndVersionAreNotRead() {
        quotas.charge("other-" + user, "call-1", NOW, 50);
        versions.bump("other-" + user);
        assertThat(standing.read(user, NOW)).isEqualTo(new Standing(0, 0));
    }
}
