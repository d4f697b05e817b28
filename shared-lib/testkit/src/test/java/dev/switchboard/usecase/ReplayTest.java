package dev.switchboard.usecase;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.domain.ResumeStatus;
import dev.switchboard.domain.StreamMarks;
import dev.switchboard.protocol.ServerEvent;
import dev.switchboard.testing.ClientView;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class ReplayTest {

    /** An answer streamed as {@code pieces} by run 7, after {@code prePause} deltas before a tool pause. */
    private static StreamMarks marks(String before, int prePause, List<String> pieces) {
        List<Integer> ends = new ArrayList<>();
        int end = before.length();
        for (String p : pieces) {
            end += p.length();
            ends.add(end);
        }
        return new StreamMarks(7, prePause, before.length(), ends);
    }

    @Property(tries = 500)
    void aClientThatMissedAnyTailEndsWithTheAnswerByteForByte(@ForAll("pieces") List<String> pieces,
                                                             @ForAll @IntRange(min = 0, max = 3) int prePause,
                                                             @ForAll @IntRange(min = 0, max = 40) int received,
                                                             @ForAll boolean sameRun,
                                                             @ForAll @IntRange(min = 8, max = 300) int maxBytes) {
        String before = prePause == 0 ? "" : "before the pause ".repeat(prePause);
        String answer = before + String.join("", pieces);
        StreamMarks marks = marks(before, prePause, pieces);
        int total = prePause + pieces.size();
        int have = Math.min(received, total);
        ClientView client = new ClientView();
        // what the client got before its connection dropped: the pre-pause deltas (of an earlier run), then this run's
        for (int seq = 0; seq < have; seq++) {
            String text = seq < prePause ? (seq == 0 ? before : "") : pieces.get(seq - prePause);
            client.apply(new ServerEvent.Delta("s", "t", seq, text, seq < prePause ? 3L : sameRun ? 7L : 5L));
        }

        List<ServerEvent.Resumed> frames = Replay.frames("s", "t", answer, marks, client.lastSeq(), client.attempt(),
                ResumeStatus.ANSWERED, maxBytes);
        frames.forEach(client::apply);

        assertThat(client.text()).isEqualTo(answer);
        assertThat(client.outOfOrder()).isZero();
        assertThat(frames.getLast().nextSeq()).isEqualTo(total);
        for (int i = 1; i < frames.size(); i++) {
            assertThat(frames.get(i).fromSeq()).as("frames are contiguous").isEqualTo(frames.get(i - 1).nextSeq());
        }
        for (ServerEvent.Resumed f : frames) {
            boolean oneUnit = f.nextSeq() - f.fromSeq() <= 1 || f.fromSeq() < prePause;
            assertThat(oneUnit || f.text().getBytes(StandardCharsets.UTF_8).length <= maxBytes)
                    .as("a frame holds more than one delta only within the byte budget").isTrue();
        }
    }

    @Provide
    Arbitrary<List<String>> pieces() {
        return Arbitraries.strings().withCharRange('a', 'z').withChars('é', '字', ' ', '"', '\\')
                .ofMinLength(1).ofMaxLength(12).list().ofMaxSize(30);
    }

    @Test
    void aClientWithTheWholeAnswerIsSentNothingMore() {
        List<String> pieces = List.of("Hel", "lo ", "world");
        var frames = Replay.frames("s", "t", "Hello world", marks("", 0, pieces), 2, 7L, ResumeStatus.ANSWERED, 1000);
        assertThat(frames).containsExactly(new ServerEvent.Resumed("s", "t", 3, "", 3, "answered", 7L, null));
    }

    @Test
    void deltasOfAnotherRunAreReplacedFromTheStart() {
        List<String> pieces = List.of("Hel", "lo ", "world");
        var frames = Replay.frames("s", "t", "Hello world", marks("", 0, pieces), 1, 6L, ResumeStatus.ANSWERED, 1000);
        assertThat(frames).containsExactly(new ServerEvent.Resumed("s", "t", 0, "Hello world", 3, "answered", 7L, null));
    }

    @Test
    void anAnswerStoredWithoutStreamMarksIsReplayedWhole() {
        var frames = Replay.frames("s", "t", "old answer", null, 4, 2L, ResumeStatus.ANSWERED, 1000);
        assertThat(frames).singleElement().satisfies(f -> {
            assertThat(f.fromSeq()).isZero();
            assertThat(f.text()).isEqualTo("old answer");
        });
    }

    @Test
    void streamMarksSurviveTheirStoredForm() {
        StreamMarks m = new StreamMarks(12, 2, 30, List.of(35, 40, 52));
        assertThat(StreamMarks.decode(m.encode())).isEqualTo(m);
        assertThat(StreamMarks.decode(new StreamMarks(1, 0, 0, List.of()).encode()).ends()).isEmpty();
        assertThat(StreamMarks.decode("garbage")).isNull();
    }
}
