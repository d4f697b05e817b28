package dev.switchboard.turn;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DeltaBatcherTest {
    private final AtomicLong now = new AtomicLong(10_000);
    private final List<String> deltas = new ArrayList<>();
    /** When each delta went out (the fake clock's time). */
    private final List<Long> sentAt = new ArrayList<>();
    private final ManualTimer timer = new ManualTimer();

    /** A timer driven by the fake clock: {@link #runDue} runs the tasks whose time has come. */
    private final class ManualTimer implements DeltaBatcher.Timer {
        private record Task(long dueAt, Runnable task) {}

        private final List<Task> tasks = new ArrayList<>();

        @Override
        public void schedule(long delayMillis, Runnable task) {
            assertThat(delayMillis).as("a timer is armed only for a wait still to come").isPositive();
            tasks.add(new Task(now.get() + delayMillis, task));
        }

        void runDue() {
            for (Task t : List.copyOf(tasks)) {
                if (t.dueAt() <= now.get()) {
                    tasks.remove(t);
                    t.task().run();
                }
            }
        }

        int armed() {
            return tasks.size();
        }
    }

    /** A fixed interval: every wait is {@code flushMillis}. */
    private DeltaBatcher batcher(long flushMillis, int maxBytes) {
        return batcher(flushMillis, flushMillis, maxBytes);
    }

    private DeltaBatcher batcher(long flushMillis, long maxFlushMillis, int maxBytes) {
        return new DeltaBatcher(flushMillis, maxFlushMillis, maxBytes, now::get, timer, d -> {
            deltas.add(d);
            sentAt.add(now.get());
        });
    }

    private static int utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /**
     * A model streaming {@code tokens} tokens of {@code token}, one every {@code gapMillis} from the current time, the
     * timer running as real time would; then {@link DeltaBatcher#finish}. Returns the first token's time.
     */
    private long stream(DeltaBatcher b, int tokens, long gapMillis, String token) {
        long start = now.get();
        for (int i = 0; i < tokens; i++) {
            for (long t = now.get(); t < start + i * gapMillis; t++) {
                now.set(t + 1);
                timer.runDue();
            }
            b.add(token);
        }
        b.finish();
        return start;
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

    // ------------------------------------------------------------------ the adaptive interval

    @Test
    void aFiveHundredTokenAnswerOverTenSecondsTakesAtMostTwentyFourDeltasWithTheFirstAtOnce() {
        // the worker's defaults (DELTA_FLUSH_MILLIS 100, DELTA_FLUSH_MAX_MILLIS 600, DELTA_MAX_BYTES 2048); the
        // bench model's pace: 50 tokens/s
        DeltaBatcher b = batcher(100, 600, 2048);
        long start = stream(b, 500, 20, "tok ");

        assertThat(deltas).hasSizeLessThanOrEqualTo(24).hasSizeGreaterThan(10);
        assertThat(deltas.get(0)).isEqualTo("tok ");
        assertThat(sentAt.get(0)).as("the first token goes out at once").isEqualTo(start);
        assertThat(sentAt.stream().filter(t -> t < start + 1_000).count())
                .as("the answer is seen to flow in its first second").isGreaterThanOrEqualTo(4);
        assertThat(String.join("", deltas)).isEqualTo("tok ".repeat(500));
        assertThat(deltas).allSatisfy(d -> assertThat(utf8(d)).isBetween(1, 2048));
    }

    @Test
    void aFixedHundredMillisecondIntervalTakesAboutOneDeltaPerHundredMilliseconds() {
        // the interval before this change, for comparison: ~100 posts for the same answer
        DeltaBatcher b = batcher(100, 2048);
        stream(b, 500, 20, "tok ");

        assertThat(deltas).hasSizeBetween(95, 101);
    }

    @Test
    void intervalsDoubleFromFlushMillisUpToTheCap() {
        DeltaBatcher b = batcher(100, 600, 2048);
        stream(b, 200, 10, "x"); // 2 s of tokens, one every 10 ms

        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i < sentAt.size() - 1; i++) { // the last delta is finish()'s
            gaps.add(sentAt.get(i) - sentAt.get(i - 1));
        }
        assertThat(gaps).startsWith(100L, 200L, 400L, 600L).allSatisfy(g -> assertThat(g).isLessThanOrEqualTo(600));
    }

    @Test
    void heldTextGoesOutWhenItsIntervalIsOverThoughNoTokenFollows() {
        DeltaBatcher b = batcher(100, 600, 2048);
        b.add("Let me ");
        now.addAndGet(30);
        b.add("check.");
        assertThat(deltas).containsExactly("Let me ");
        assertThat(timer.armed()).isEqualTo(1);

        // the model now streams a tool call's arguments for seconds: no token comes to carry "check." out
        now.addAndGet(69);
        timer.runDue();
        assertThat(deltas).containsExactly("Let me ");
        now.addAndGet(1);
        timer.runDue();
        assertThat(deltas).containsExactly("Let me ", "check.");
        assertThat(sentAt.get(1) - sentAt.get(0)).isEqualTo(100);
        assertThat(timer.armed()).isZero();
    }

    @Test
    void aTokenAfterALongPauseGoesOutAtOnce() {
        DeltaBatcher b = batcher(100, 600, 2048);
        b.add("a");
        now.addAndGet(5_000);
        b.add("b");
        assertThat(deltas).containsExactly("a", "b");
        assertThat(timer.armed()).isZero();
    }

    @Test
    void aTimerArmedBeforeALaterDeltaSendsNothingExtraAndNewHeldTextGetsItsOwn() {
        DeltaBatcher b = batcher(100, 600, 2048);
        b.add("a");
        now.addAndGet(10);
        b.add("b"); // held: a timer for 90 ms
        now.addAndGet(95);
        b.add("c"); // 105 ms: this token carries "bc" out, the next wait is 200 ms
        assertThat(deltas).containsExactly("a", "bc");
        now.addAndGet(5);
        b.add("d"); // held again: a timer for the new wait
        timer.runDue(); // the stale timer (due at 100 ms) sends nothing
        assertThat(deltas).containsExactly("a", "bc");

        now.addAndGet(195); // 200 ms after "bc"
        timer.runDue();
        assertThat(deltas).containsExactly("a", "bc", "d");
        assertThat(timer.armed()).isZero();
    }

    @Test
    void afterCloseOrFinishATimerSendsNothing() {
        DeltaBatcher closed = batcher(100, 600, 2048);
        closed.add("a");
        closed.add("b");
        closed.close();
        DeltaBatcher finished = batcher(100, 600, 2048);
        finished.add("c");
        finished.add("d");
        finished.finish();
        assertThat(timer.armed()).isEqualTo(2);

        now.addAndGet(1_000);
        timer.runDue();
        assertThat(deltas).containsExactly("a", "c", "d");
    }

    @Test
    void aZeroIntervalSendsEveryTokenAndArmsNoTimer() {
        DeltaBatcher b = batcher(0, 0, 2048);
        b.add("a");
        b.add("b");
        b.add("c");
        assertThat(deltas).containsExactly("a", "b", "c");
        assertThat(timer.armed()).isZero();
    }

    @Test
    void theShortSettingsConstructorsKeepAFixedInterval() {
        assertThat(new TurnSettings(20, 150, 256, 3).maxFlushMillis())
                .as("the short constructors keep a fixed interval").isEqualTo(150);
    }
}
