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
        quotas.addTokens(user, NOW, 60);
        assertThat(quotas.tryStartTurn(user, NOW + 1, 0, 100)).isEqualTo(Verdict.OK);
        quotas.addTokens(user, NOW + 1, 40);
        assertThat(quotas.tryStartTurn(user, NOW + 2, 0, 100)).isEqualTo(Verdict.TOKENS_PER_DAY);
        assertThat(quotas.tryStartTurn(user, NOW + 86_400_000, 0, 100)).isEqualTo(Verdict.OK);
    }

    @Test
    void noLimitsMeansEveryTurnStarts() {
        for (int i = 0; i < 50; i++) {
            assertThat(quotas.tryStartTurn(user, NOW, 0, 0)).isEqualTo(Verdict.OK);
        }
    }
}
