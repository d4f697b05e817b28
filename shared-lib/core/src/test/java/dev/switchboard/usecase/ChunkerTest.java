package dev.switchboard.usecase;

import dev.switchboard.domain.KnowledgeLimits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ChunkerTest {
    private static final Chunker CHUNKER = Chunker.DEFAULT;

    private static String sentences(int count, long seed) {
        Random r = new Random(seed);
        String[] words = {"alpha", "beta", "gamma", "delta", "river", "stone", "lamp", "garden", "north", "quiet"};
        StringBuilder b = new StringBuilder();
        for (int s = 0; s < count; s++) {
            int n = 6 + r.nextInt(8);
            for (int w = 0; w < n; w++) {
                String word = words[r.nextInt(words.length)];
                b.append(w == 0 ? Character.toUpperCase(word.charAt(0)) + word.substring(1) : word);
                b.append(w == n - 1 ? ". " : " ");
            }
        }
        return b.toString().strip();
    }

    /**
     * The chunks lie in order in the text and together cover every non-whitespace char; each is at most max chars,
     * not blank, stripped, and does not begin or end inside a surrogate pair. Returns each chunk's start in the text.
     */
    private static int[] checkInvariants(Chunker chunker, String text, List<String> chunks) {
        List<Chunker.Span> spans = chunker.spans(text);
        assertThat(spans).hasSameSizeAs(chunks);
        int[] starts = new int[chunks.size()];
        int prevStart = -1;
        int coveredTo = 0; // every non-whitespace char before this index is covered
        for (int i = 0; i < chunks.size(); i++) {
            String c = chunks.get(i);
            Chunker.Span span = spans.get(i);
            assertThat(text.substring(span.start(), span.end())).as("chunk %d is its span", i).isEqualTo(c);
            assertThat(c.length()).as("chunk %d length", i).isLessThanOrEqualTo(chunker.maxChars());
            assertThat(c).as("chunk %d", i).isNotBlank().isEqualTo(c.strip());
            assertThat(Character.isLowSurrogate(c.charAt(0))).as("chunk %d starts inside a pair", i).isFalse();
            assertThat(Character.isHighSurrogate(c.charAt(c.length() - 1))).as("chunk %d ends inside a pair", i)
                    .isFalse();
            assertThat(span.start()).as("chunk %d starts after the one before", i).isGreaterThan(prevStart);
            assertThat(text.substring(coveredTo, Math.max(coveredTo, span.start()))).as("gap before chunk %d", i)
                    .isBlank();
            coveredTo = Math.max(coveredTo, span.end());
            starts[i] = span.start();
            prevStart = span.start();
        }
        assertThat(text.substring(coveredTo)).as("text after the last chunk").isBlank();
        return starts;
    }

    @Test
    void aBlankTextHasNoChunks() {
        assertThat(CHUNKER.split("")).isEmpty();
        assertThat(CHUNKER.split(" \n\n\t ")).isEmpty();
    }

    @Test
    void aShortTextIsOneStrippedChunk() {
        assertThat(CHUNKER.split("\n  Hello there. \n")).containsExactly("Hello there.");
        String exact = "x".repeat(KnowledgeLimits.CHUNK_CHARS);
        assertThat(CHUNKER.split(exact)).containsExactly(exact);
    }

    @Test
    void aParagraphBreakIsPreferred() {
        String p1 = sentences(8, 1);
        String p2 = sentences(8, 2);
        String text = p1 + "\n\n" + p2;
        assertThat(p1.length()).isBetween(KnowledgeLimits.CHUNK_CHARS / 2, KnowledgeLimits.CHUNK_CHARS - 2);
        assertThat(text.length()).isGreaterThan(KnowledgeLimits.CHUNK_CHARS);

        List<String> chunks = CHUNKER.split(text);

        assertThat(chunks.get(0)).isEqualTo(p1);
        assertThat(chunks.get(chunks.size() - 1)).endsWith(p2);
        checkInvariants(CHUNKER, text, chunks);
    }

    @Test
    void withoutParagraphsChunksEndAtSentencesAndOverlapByAboutOneHundredChars() {
        String text = sentences(200, 3);
        List<String> chunks = CHUNKER.split(text);
        int[] starts = checkInvariants(CHUNKER, text, chunks);

        assertThat(chunks.size()).isBetween(text.length() / KnowledgeLimits.CHUNK_CHARS,
                text.length() / (KnowledgeLimits.CHUNK_CHARS / 2 - KnowledgeLimits.CHUNK_OVERLAP_CHARS) + 1);
        for (int i = 0; i + 1 < chunks.size(); i++) {
            assertThat(chunks.get(i)).as("chunk %d", i).endsWith(".");
            int overlap = starts[i] + chunks.get(i).length() - starts[i + 1];
            assertThat(overlap).as("overlap after chunk %d", i)
                    .isBetween(KnowledgeLimits.CHUNK_OVERLAP_CHARS - 20, KnowledgeLimits.CHUNK_OVERLAP_CHARS);
            assertThat(chunks.get(i + 1).charAt(0)).as("chunk %d starts a word", i + 1).isNotEqualTo(' ');
            assertThat(text.charAt(starts[i + 1] - 1)).as("chunk %d starts at a word boundary", i + 1).isEqualTo(' ');
        }
    }

    @Test
    void aTextWithoutSpacesIsCutHardButNeverInsideASurrogatePair() {
        String emoji = "😀".repeat(1_000); // 2000 chars, every char half of a pair
        List<String> chunks = CHUNKER.split(emoji);
        checkInvariants(CHUNKER, emoji, chunks);
        assertThat(chunks).allSatisfy(c -> assertThat(c.length() % 2).isZero());

        String shifted = "a" + emoji; // odd offsets: a cut at an even index would split a pair
        checkInvariants(CHUNKER, shifted, CHUNKER.split(shifted));
    }

    @Test
    void theLongestDocumentGivesABoundedNumberOfChunks() {
        String text = sentences(2_000, 4).substring(0, KnowledgeLimits.MAX_DOCUMENT_CHARS);
        List<String> chunks = CHUNKER.split(text);
        checkInvariants(CHUNKER, text, chunks);
        assertThat(chunks.size()).isLessThanOrEqualTo(
                KnowledgeLimits.MAX_DOCUMENT_CHARS / (KnowledgeLimits.CHUNK_CHARS - 2 * KnowledgeLimits.CHUNK_OVERLAP_CHARS));
    }

    /** Random texts of words, emoji, CJK, punctuation, line and paragraph breaks and long unbroken runs. */
    @Test
    void invariantsHoldForRandomTexts() {
        String[] pieces = {"word", "a", "longerword", "😀", "👩‍💻", "日本語", "。", ".", "!", "?", ",", " ", " ", " ",
                "\n", "\n\n", "\t", "x".repeat(150), "🙂".repeat(60), "é", "𝔘𝔫𝔦"};
        Random r = new Random(42);
        for (int run = 0; run < 400; run++) {
            int max = 8 + r.nextInt(900);
            int overlap = r.nextInt(Math.max(1, max / 2));
            Chunker chunker = new Chunker(max, overlap);
            StringBuilder b = new StringBuilder();
            int len = r.nextInt(5_000);
            while (b.length() < len) {
                b.append(pieces[r.nextInt(pieces.length)]);
            }
            String text = b.toString();
            List<String> chunks = chunker.split(text);
            checkInvariants(chunker, text, chunks);
            assertThat(chunks.isEmpty()).as("run %d", run).isEqualTo(text.isBlank());
        }
    }

    @Test
    void settingsThatCouldNotMakeProgressAreRefused() {
        assertThatThrownBy(() -> new Chunker(100, 50)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Chunker(3, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Chunker(100, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new Chunker(100, 49).maxChars()).isEqualTo(100);
    }
}
