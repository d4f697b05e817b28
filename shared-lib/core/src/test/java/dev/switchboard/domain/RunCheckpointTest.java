package dev.switchboard.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RunCheckpointTest {
    private static final StreamMarks MARKS = new StreamMarks(2, 3, 12, List.of(17, 22));

    @Test
    void theNextSegmentContinuesAfterTheLastStreamedDelta() {
        RunCheckpoint c = new RunCheckpoint("u", "s", "t", "x".repeat(22), MARKS, 1, 1_000, 10, 5, 2, List.of());
        assertThat(c.nextSeq()).isEqualTo(5);
    }

    @Test
    void onlyTheClaimRightAfterTheHandingOffSegmentContinuesIt() {
        RunCheckpoint c = new RunCheckpoint("u", "s", "t", "x".repeat(22), MARKS, 2, 1_000, 10, 5, 7,
                List.of(new ResumeRequest("c", "t", 1, 2L)));
        assertThat(c.continuedBy(8)).isTrue();
        assertThat(c.continuedBy(9)).as("a segment took claim 8 and ended without a checkpoint").isFalse();
        assertThat(c.continuedBy(7)).isFalse();
    }

    @Test
    void aRestartedCheckpointKeepsItsTextAndDeltasUnderTheNewRun() {
        RunCheckpoint c = new RunCheckpoint("u", "s", "t", "x".repeat(22), MARKS, 2, 1_000, 10, 5, 7,
                List.of(new ResumeRequest("c", "t", 1, 2L)));
        RunCheckpoint r = c.restartedAs(9);
        assertThat(r.stream()).isEqualTo(new StreamMarks(9, 3, 12, List.of(17, 22)));
        assertThat(r.nextSeq()).isEqualTo(c.nextSeq());
        assertThat(r).usingRecursiveComparison().ignoringFields("stream").isEqualTo(c);
        assertThat(r.served()).as("served before the checkpoint: not replayed again").isEqualTo(c.served());
    }

    @Test
    void aCheckpointNeedsItsTextItsMarksAndAtLeastOneHandoff() {
        assertThatThrownBy(() -> new RunCheckpoint("u", "s", "t", null, MARKS, 1, 0, 0, 0, 1, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RunCheckpoint("u", "s", "t", "text", null, 1, 0, 0, 0, 1, null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RunCheckpoint("u", "s", "t", "text", MARKS, 0, 0, 0, 0, 1, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("handoffs >= 1");
    }
}
