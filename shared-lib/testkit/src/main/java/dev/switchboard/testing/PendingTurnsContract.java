package dev.switchboard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.domain.TurnRequest;
import dev.switchboard.port.PendingTurns;
import dev.switchboard.port.PendingTurns.Group;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@link PendingTurns} port's contract, for every implementation. */
public abstract class PendingTurnsContract {
    protected PendingTurns pending;
    protected String user;

    protected abstract PendingTurns pending();

    @BeforeEach
    void setUpContract() {
        pending = pending();
        user = "user-" + UUID.randomUUID();
    }

    private TurnRequest turn(String userId, String sessionId, long at) {
        return new TurnRequest(userId, sessionId, "t-" + at + "-" + UUID.randomUUID(), "c-" + at, at, null, null,
                "corr");
    }

    @Test
    void heldJobsComeBackInTheOrderHeldOnceEachAndTheirGroupIsListed() {
        TurnRequest first = turn(user, "s1", 1_000);
        TurnRequest second = turn(user, "s1", 2_000);
        TurnRequest other = turn(user, "s2", 1_500);
        pending.hold(first);
        pending.hold(second);
        pending.hold(first); // a repeated hold changes nothing
        pending.hold(other);

        Group group = new Group(user, first.groupId());
        assertThat(pending.holds(user, first.groupId())).isTrue();
        assertThat(pending.holds("other-" + user, first.groupId())).isFalse();
        assertThat(pending.groups(1_000)).contains(group, new Group(user, other.groupId()));
        assertThat(pending.held(group)).containsExactly(first, second);
    }

    @Test
    void aReleasedJobIsGoneAndAnUnlistedGroupIsNotListedUntilItHoldsAgain() {
        TurnRequest job = turn(user, "s1", 1_000);
        Group group = new Group(user, job.groupId());
        pending.hold(job);
        pending.unlist(group);
        assertThat(pending.groups(1_000)).doesNotContain(group);
        assertThat(pending.held(group)).containsExactly(job);

        pending.release(job);
        assertThat(pending.held(group)).isEmpty();
        assertThat(pending.holds(user, job.groupId())).isFalse();

        TurnRequest again = turn(user, "s1", 3_000);
        pending.hold(again);
        assertThat(pending.groups(1_000)).contains(group);
    }

    @Test
    void jobsOfOtherKindsKeepTheirKindAndRef() {
        TurnRequest index = new TurnRequest(user, null, "d-" + UUID.randomUUID(), null, 5_000, TurnRequest.Kind.INDEX,
                null, "corr");
        pending.hold(index);
        assertThat(pending.held(new Group(user, index.groupId()))).containsExactly(index);
    }
}
