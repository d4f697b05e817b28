package dev.switchboard.usecase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.domain.Session;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.port.PendingTurns;
import dev.switchboard.port.TurnQueue;
import dev.switchboard.testing.InMemoryPendingTurns;
import dev.switchboard.testing.InMemorySessionStore;
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

    /** The session-marking queue of the ingress and the worker, over pending jobs that count their Queries. */
    private final class Marked {
        final InMemorySessionStore sessions = new InMemorySessionStore();
        int queries;
        final InMemoryPendingTurns counted = new InMemoryPendingTurns() {
            @Override
            public synchronized boolean holds(String userId, String groupId) {
                queries++;
                return super.holds(userId, groupId);
            }
        };
        final ReliableTurnQueue reliable = new ReliableTurnQueue(queue, counted, sessions, 3, 50, pauses::add);
        final PendingSweep sweep = new PendingSweep(reliable, counted);

        Marked(String... sessionIds) {
            for (String id : sessionIds) {
                sessions.createIfAbsent(new Session("u1", id, "t", 1, 1));
            }
        }

        String held(String sessionId) {
            return sessions.get("u1", sessionId).orElseThrow().held();
        }
    }

    @Test
    void aHeldTurnMarksItsSessionAndATurnGivenTheMarkWaitsBehindItWithoutAQuery() {
        Marked m = new Marked("s1");
        queue.refusals = 3;
        m.reliable.enqueue(turn("s1", 1), false);
        assertThat(m.held("s1")).as("marked with the held job's id").isEqualTo("t-1");

        m.reliable.enqueue(turn("s1", 2), m.held("s1") != null);

        assertThat(queue.sent.enqueued).as("not before the held one").isEmpty();
        assertThat(m.held("s1")).as("the newest hold's mark").isEqualTo("t-2");
        assertThat(m.queries).as("no Query of the held jobs").isZero();
        m.sweep.sweep();
        assertThat(queue.sent.enqueued).containsExactly(turn("s1", 1), turn("s1", 2));
        assertThat(m.held("s1")).as("cleared after the group's last job").isNull();
        m.reliable.enqueue(turn("s1", 3), m.held("s1") != null);
        assertThat(queue.sent.enqueued).last().isEqualTo(turn("s1", 3));
        assertThat(m.queries).isZero();
    }

    @Test
    void aHoldAfterTheSweepReadItsGroupKeepsTheMark() {
        Marked m = new Marked("s1");
        queue.refusals = 3;
        m.reliable.enqueue(turn("s1", 1), false);
        m.sessions.markHeld("u1", "s1", "t-9"); // a newer job's hold, marked while the sweep sends t-1

        m.sweep.sweep();

        assertThat(queue.sent.enqueued).containsExactly(turn("s1", 1));
        assertThat(m.held("s1")).isEqualTo("t-9");
    }

    @Test
    void aUsersJobAsksTheHeldJobsOnlyWhenTheCallerDidNotReadThem() {
        Marked m = new Marked("s1");
        TurnRequest memory = new TurnRequest("u1", "s1", "t-1", null, 1, TurnRequest.Kind.MEMORY, "model");

        m.reliable.enqueue(memory);
        assertThat(m.queries).as("not read by the caller: asked").isEqualTo(1);

        TurnRequest next = new TurnRequest("u1", "s1", "t-2", null, 2, TurnRequest.Kind.MEMORY, "model");
        m.reliable.enqueue(next, false);
        assertThat(m.queries).as("read with the standing: not asked again").isEqualTo(1);
        assertThat(queue.sent.enqueued).containsExactly(memory, next);
        assertThat(m.held("s1")).as("a user's job marks no session").isNull();
    }

    @Test
    void aUsersJobToldItsGroupHoldsAJobIsHeldBehindItAndSentAfterIt() {
        Marked m = new Marked("s1");
        TurnRequest first = new TurnRequest("u1", "s1", "t-1", null, 1, TurnRequest.Kind.MEMORY, "model");
        queue.refusals = 3;
        m.reliable.enqueue(first);
        TurnRequest second = new TurnRequest("u1", "s2", "t-2", null, 2, TurnRequest.Kind.MEMORY, "model");

        m.reliable.enqueue(second, true);

        assertThat(queue.sent.enqueued).as("not before the held one").isEmpty();
        m.sweep.sweep();
        assertThat(queue.sent.enqueued).containsExactly(first, second);
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
