package dev.switchboard.usecase;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DeltaBatcherTest {
    private final AtomicLong now = new AtomicLong(10_000);
    private final List<String> deltas = new ArrayList<>();

    private DeltaBatcher batcher(long flushMillis, int maxBytes) {
        return new DeltaBatcher(flushMillis, maxBytes, now::get, deltas::add);
    }

    private static int utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    @Test
    void firstTokenIsFlushedAtOnce() {
        DeltaBatcher b = batcher(100, 1024);
        b.add("Hel");
        assertThat(deltas).containsExactly("Hel");
    }

    @Test
    void laterTokensWaitUntilFlushMillisHavePassed() {
        DeltaBatcher b = batcher(100, 1024);
        b.add("a");
        b.add("b");
        now.addAndGet(50);
        b.add("c");
        assertThat(deltas).containsExactly("a");

        now.addAndGet(49); // 99 ms since the last delta
        b.add("d");
        assertThat(deltas).containsExactly("a");

        now.addAndGet(1); // 100 ms
        b.add("e");
        assertThat(deltas).containsExactly("a", "bcde");

        b.add("f");
        assertThat(deltas).containsExactly("a", "bcde");
        now.addAndGet(100);
        b.add("g");
        assertThat(deltas).containsExactly("a", "bcde", "fg");
    }

    @Test
    void finishFlushesTheRest() {
        DeltaBatcher b = batcher(1_000, 1024);
        b.add("one ");
        b.add("two ");
        b.add("three");
        assertThat(deltas).containsExactly("one ");
        b.finish();
        assertThat(deltas).containsExactly("one ", "two three");
    }

    @Test
    void finishWithNothingPendingSendsNothing() {
        DeltaBatcher b = batcher(100, 1024);
        b.finish();
        assertThat(deltas).isEmpty();
        b.add("x");
        b.finish();
        b.finish();
        assertThat(deltas).containsExactly("x");
    }

    @Test
    void emptyAndNullTokensAreIgnored() {
        DeltaBatcher b = batcher(100, 1024);
        b.add("");
        b.add(null);
        assertThat(deltas).isEmpty();
        b.add("x");
        assertThat(deltas).containsExactly("x");
    }

    @Test
    void pendingBytesOverMaxAreFlushedWithoutWaitingForTheClock() {
        DeltaBatcher b = batcher(60_000, 64);
        b.add("start");
        for (int i = 0; i < 40; i++) {
            b.add("ab");
        }
        // 80 bytes arrived without the clock moving: at least one delta beyond the first went out
        assertThat(deltas.size()).isGreaterThan(1);
        assertThat(deltas).allSatisfy(d -> assertThat(utf8(d)).isLessThanOrEqualTo(64));
        b.finish();
        assertThat(String.join("", deltas)).isEqualTo("start" + "ab".repeat(40));
    }

    @Test
    void aSingleHugeTokenIsSplitUnderMaxBytes() {
        DeltaBatcher b = batcher(100, 64);
        String huge = "x".repeat(1000);
        b.add(huge);
        b.finish();
        assertThat(deltas).allSatisfy(d -> assertThat(utf8(d)).isLessThanOrEqualTo(64).isPositive());
        assertThat(String.join("", deltas)).isEqualTo(huge);
        assertThat(deltas).hasSizeGreaterThanOrEqualTo(1000 / 64);
    }

    @Test
    void multiByteCharactersAreNeverSplitAndDeltasStayUnderMaxBytes() {
        DeltaBatcher b = batcher(100, 64);
        // 2-byte, 3-byte and 4-byte (surrogate pair) characters, 64 is not a multiple of 3 or of 2+3+4
        String token = "é€\uD83D\uDE00";
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            tokens.add(token);
            b.add(token);
            now.addAndGet(7);
        }
        String huge = "\uD83D\uDE80".repeat(100) + "€".repeat(100);
        tokens.add(huge);
        b.add(huge);
        b.finish();

        assertThat(deltas).allSatisfy(d -> {
            assertThat(utf8(d)).isLessThanOrEqualTo(64);
            // no lone surrogate: the delta survives a UTF-8 round trip unchanged
            assertThat(new String(d.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)).isEqualTo(d);
            assertThat(Character.isLowSurrogate(d.charAt(0))).isFalse();
            assertThat(Character.isHighSurrogate(d.charAt(d.length() - 1))).isFalse();
        });
        assertThat(String.join("", deltas)).isEqualTo(String.join("", tokens));
    }

    @Test
    void concatenationOfDeltasEqualsConcatenationOfTokens() {
        DeltaBatcher b = batcher(30, 80);
        StringBuilder expected = new StringBuilder();
        String[] words = {"The ", "quick ", "brün ", "fox ", "— ", "jumps ", "\uD83E\uDD8A ", "over ", "日本語 ",
                "x".repeat(200), " the ", "lazy ", "dog."};
        for (int round = 0; round < 5; round++) {
            for (String w : words) {
                b.add(w);
                expected.append(w);
                now.addAndGet(round * 4 + 3);
            }
        }
        b.finish();
        assertThat(String.join("", deltas)).isEqualTo(expected.toString());
        assertThat(deltas).allSatisfy(d -> assertThat(utf8(d)).isBetween(1, 80));
        assertThat(deltas.get(0)).isEqualTo("The ");
    }
}
