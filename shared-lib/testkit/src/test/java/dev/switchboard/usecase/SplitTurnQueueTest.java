package dev.switchboard.usecase;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.domain.TurnRequest;
import dev.switchboard.port.TurnQueue;
import dev.switchboard.testing.InMemoryPendingTurns;
import dev.switchboard.testing.RecordingTurnQueue;
import org.junit.jupiter.api.Test;

class SplitTurnQueueTest {
    private final RecordingTurnQueue turns = new RecordingTurnQueue();
    private final RecordingTurnQueue userData = new RecordingTurnQueue();

    private static TurnRequest turn(String id) {
        return new TurnRequest("u1", "s1", id, "c-" + id, 1);
    }

    private static TurnRequest job(TurnRequest.Kind kind, String id) {
        return new TurnRequest("u1", kind == TurnRequest.Kind.INDEX ? null : "s1", id, null, 2, kind, null);
    }

    @Test
    void turnsAndResumesGoToTheTurnsQueueMemoryAndIndexJobsToTheUserDataQueue() {
        SplitTurnQueue split = new SplitTurnQueue(turns, userData);
        split.enqueue(turn("t1"));
        split.enqueue(job(TurnRequest.Kind.MEMORY, "t1"));
        split.enqueue(job(TurnRequest.Kind.RESUME, "t1"));
        split.enqueue(job(TurnRequest.Kind.INDEX, "d1"));

        assertThat(turns.enqueued).containsExactly(turn("t1"), job(TurnRequest.Kind.RESUME, "t1"));
        assertThat(userData.enqueued).containsExactly(job(TurnRequest.Kind.MEMORY, "t1"),
                job(TurnRequest.Kind.INDEX, "d1"));
    }

    @Test
    void aMemoryJobTheUserDataQueueRefusesIsHeldAndSweptToThatQueueWithoutHoldingUpTheUsersTurns() {
        TurnQueue refusingOnce = new TurnQueue() {
            private boolean refused;

            @Override
            public void enqueue(TurnRequest job) {
                if (!refused) {
                    refused = true;
                    throw new IllegalStateException("refused (injected)");
                }
                userData.enqueue(job);
            }
        };
        InMemoryPendingTurns pending = new InMemoryPendingTurns();
        ReliableTurnQueue reliable = new ReliableTurnQueue(new SplitTurnQueue(turns, refusingOnce), pending, 1, 0,
                millis -> { });

        reliable.enqueue(job(TurnRequest.Kind.MEMORY, "t1"));
        reliable.enqueue(turn("t2")); // the user's next turn: another FIFO group, not held behind the memory job
        assertThat(pending.size()).isEqualTo(1);
        assertThat(turns.enqueued).containsExactly(turn("t2"));
        assertThat(userData.enqueued).isEmpty();

        assertThat(new PendingSweep(reliable, pending).sweep()).isEqualTo(new PendingSweep.Swept(1, 0));
        assertThat(userData.enqueued).containsExactly(job(TurnRequest.Kind.MEMORY, "t1"));
        assertThat(turns.enqueued).containsExactly(turn("t2"));
        assertThat(pending.size()).isZero();
    }
}
