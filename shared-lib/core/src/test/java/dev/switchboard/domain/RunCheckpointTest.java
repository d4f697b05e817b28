package dev.switchboard.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RunCheckpointTest {
    private static final StreamMarks MARKS = new StreamMarks(2, 3, 12, List.of(17, 22));

    @Test
    void theNextSegmentContinuesAfterTheLastStreamedDelta() {
        RunCheckpoint c = new RunCheckpoint("u", "s", "t", "x".repeat(22), MARKS, 1, 1_000, 10, 5);
        assertThat(c.nextSeq()).isEqualTo(5);
    }

    @Test
    void aCheckpointNeedsItsTextItsMarksAndAtLeastOneHandoff() {
        assertThatThrownBy(() -> new RunCheckpoint("u", "s", "t", null, MARKS, 1, 0, 0, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RunCheckpoint("u", "s", "t", "text", null, 1, 0, 0, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RunCheckpoint("u", "s", "t", "text", MARKS, 0, 0, 0, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("handoffs >= 1");
    }
}
