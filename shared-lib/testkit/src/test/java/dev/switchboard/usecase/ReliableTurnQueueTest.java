package dev.switchboard.usecase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.domain.TurnRequest;
import dev.switchboard.port.PendingTurns;
import dev.switchboard.port.TurnQueue;
import dev.switchboard.testing.InMemoryPendingTurns;
import dev.switchboard.testing.RecordingTurnQueue;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReliableTurnQueueTest {
    /** A queue that refuses the next {@code refusals} sends, then records. */
    private static final class RefusingQueue implements TurnQueue {
        final RecordingTurnQueue sent = new RecordingTurnQueue();
        int refusals;
        int tries;

        @Override
        public void enqueue(TurnRequest turn) {
            tries++;
            if (refusals > 0) {
                refusals--;
                throw new IllegalStateException("refused (injected)");
            }
            sent.enqueue(turn);
        }
    }

    private final RefusingQueue queue = new RefusingQueue();
    private final InMemoryPendingTurns pending = new InMemoryPendingTurns();
    private final List<Long> pauses = new ArrayList<>();
    private final ReliableTurnQueue reliable = new ReliableTurnQueue(queue, pending, 3, 50, pauses::add);
    private final PendingSweep sweep = new PendingSweep(reliable, pending);

    private static TurnRequest turn(String session, long at) {
        return new TurnRequest("u1", session, "t-" + at, "c-" + at, at);
    }

    @Test
    void aRefusedSendIsRetriedWithADoublingBackoff() {
        queue.refusals = 2;
        reliable.enqueue(turn("s1", 1));

        assertThat(queue.sent.enqueued).containsExactly(turn("s1", 1));
        assertThat(pauses).containsExactly(50L, 100L);
        assertThat(pending.size()).isZero();
    }

    @Test
    void aJobTheQueueKeepsRefusingIsHeldAndTheSweepSendsItOnce() {
        queue.refusals = 3;
        reliable.enqueue(turn("s1", 1));
        assertThat(queue.sent.enqueued).isEmpty();
        assertThat(pending.size()).isEqualTo(1);

        assertThat(sweep.sweep()).isEqualTo(new PendingSweep.Swept(1, 0));
        assertThat(queue.sent.enqueued).containsExactly(turn("s1", 1));
        assertThat(pending.size()).isZero();
        assertThat(sweep.sweep()).isEqualTo(new PendingSweep.Swept(0, 0));
        assertThat(queue.sent.enqueued).hasSize(1);
    }

    @Test
    void laterJobsOfAGroupWaitBehindAHeldOneAndAreSentInOrder() {
        queue.refusals = 3;
        reliable.enqueue(turn("s1", 1));
        reliable.enqueue(turn("s1", 2)); // the queue would take it, but it must not overtake the first
        reliable.enqueue(turn("s2", 3)); // another session is not held up
        assertThat(queue.sent.enqueued).containsExactly(turn("s2", 3));

        sweep.sweep();
        assertThat(queue.sent.enqueued).containsExactly(turn("s2", 3), turn("s1", 1), turn("s1", 2));
    }

    @Test
    void aSweepThatIsRefusedKeepsTheGroupHeldForTheNextSweep() {
        queue.refusals = 3;
        reliable.enqueue(turn("s1", 1));
        reliable.enqueue(turn("s1", 2));
        queue.refusals = 3;

        assertThat(sweep.sweep()).isEqualTo(new PendingSweep.Swept(0, 2));
        assertThat(pending.groups(10)).containsExactly(new PendingTurns.Group("u1", turn("s1", 1).groupId()));
        assertThat(sweep.sweep()).isEqualTo(new PendingSweep.Swept(2, 0));
        assertThat(queue.sent.enqueued).containsExactly(turn("s1", 1), turn("s1", 2));
    }

    @Test
    void whenTheHoldFailsTooTheSendFailsSoTheClientGetsAnError() {
        queue.refusals = 3;
        ReliableTurnQueue noStore = new ReliableTurnQueue(queue, new InMemoryPendingTurns() {
            @Override
            public synchronized void hold(TurnRequest job) {
                throw new IllegalStateException("table unavailable (injected)");
            }
        }, 3, 0, pauses::add);

        assertThatThrownBy(() -> noStore.enqueue(turn("s1", 1))).hasMessageContaining("refused")
                .satisfies(e -> assertThat(e.getSuppressed()).hasSize(1));
    }
}
