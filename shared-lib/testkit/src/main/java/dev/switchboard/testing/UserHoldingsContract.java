package dev.switchboard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.port.UserHoldings;
import dev.switchboard.port.UserHoldings.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@link UserHoldings} port's contract, for every implementation. */
public abstract class UserHoldingsContract {
    private static final long NOW = 1_795_000_020_000L; // 20 s into a minute
    protected UserHoldings holdings;
    protected String user;

    protected abstract UserHoldings holdings();

    @BeforeEach
    void setUpContract() {
        holdings = holdings();
        user = "user-" + UUID.randomUUID();
    }

    @Test
    void addsPassUpToTheCapAndAReleaseMakesRoomAgain() {
        for (int i = 0; i < 3; i++) {
            assertThat(holdings.tryAdd(user, Kind.DOCUMENTS, 3)).isTrue();
        }
        assertThat(holdings.tryAdd(user, Kind.DOCUMENTS, 3)).isFalse();
        assertThat(holdings.count(user, Kind.DOCUMENTS)).isEqualTo(3);
        assertThat(holdings.tryAdd(user, Kind.SESSIONS, 3)).as("another kind has its own count").isTrue();
        assertThat(holdings.tryAdd("other-" + user, Kind.DOCUMENTS, 3)).as("another user too").isTrue();

        holdings.release(user, Kind.DOCUMENTS, 1);
        assertThat(holdings.tryAdd(user, Kind.DOCUMENTS, 3)).isTrue();
        holdings.release(user, Kind.DOCUMENTS, 10);
        assertThat(holdings.count(user, Kind.DOCUMENTS)).as("never below 0").isZero();
        holdings.tryAdd(user, Kind.NOTES, 5);
        holdings.clear(user, Kind.NOTES);
        assertThat(holdings.count(user, Kind.NOTES)).isZero();
    }

    @Test
    void parallelAddsNeverPassTheCap() throws Exception {
        List<Future<Boolean>> adds = new ArrayList<>();
        try (var pool = Executors.newFixedThreadPool(16)) {
            for (int i = 0; i < 60; i++) {
                adds.add(pool.submit(() -> holdings.tryAdd(user, Kind.SESSIONS, 25)));
            }
        }
        long passed = 0;
        for (Future<Boolean> f : adds) {
            passed += f.get() ? 1 : 0;
        }
        assertThat(passed).isEqualTo(25);
        assertThat(holdings.count(user, Kind.SESSIONS)).isEqualTo(25);
    }

    @Test
    void actionsPerMinuteAreCountedAndTheNextMinuteStartsAfresh() {
        for (int i = 0; i < 2; i++) {
            assertThat(holdings.tryCountAction(user, Kind.DOCUMENTS, NOW + i, 2)).isTrue();
        }
        assertThat(holdings.tryCountAction(user, Kind.DOCUMENTS, NOW + 5, 2)).isFalse();
        assertThat(holdings.tryCountAction(user, Kind.SESSIONS, NOW + 5, 2)).isTrue();
        assertThat(holdings.tryCountAction(user, Kind.DOCUMENTS, NOW + 60_000, 2)).isTrue();
        assertThat(holdings.tryCountAction(user, Kind.DOCUMENTS, NOW, 0)).as("0 = no limit").isTrue();
    }

    @Test
    void aCapOfZeroCountsNothing() {
        assertThat(holdings.tryAdd(user, Kind.NOTES, 0)).isTrue();
        assertThat(holdings.count(user, Kind.NOTES)).isZero();
    }
}
