package dev.switchboard.usecase;

import dev.switchboard.domain.KnowledgeLimits;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a document's text into overlapping chunks for embedding. A chunk ends, in order of preference, at a paragraph
 * break, a line break, the end of a sentence, a space, or — in a run without any — at the size limit; never between
 * the two halves of a surrogate pair. The next chunk starts about {@code overlapChars} earlier, at a word boundary.
 * Chunks are stripped of surrounding whitespace; blank ones are left out.
 */
public final class Chunker {
    /** {@link KnowledgeLimits#CHUNK_CHARS} with {@link KnowledgeLimits#CHUNK_OVERLAP_CHARS} overlap. */
    public static final Chunker DEFAULT = new Chunker(KnowledgeLimits.CHUNK_CHARS, KnowledgeLimits.CHUNK_OVERLAP_CHARS);

    private final int maxChars;
    private final int overlapChars;

    /** @param overlapChars less than half of {@code maxChars}, so every chunk moves the start forward */
    public Chunker(int maxChars, int overlapChars) {
        if (maxChars < 4 || overlapChars < 0 || overlapChars >= maxChars / 2) {
            throw new IllegalArgumentException("need maxChars >= 4 and 0 <= overlapChars < maxChars / 2");
        }
        this.maxChars = maxChars;
        this.overlapChars = overlapChars;
    }

    public int maxChars() {
        return maxChars;
    }

    /** The chunks of {@code text} in order, each at most {@link #maxChars()} chars; empty for a blank text. */
    public List<String> split(String text) {
        return spans(text).stream().map(s -> text.substring(s.start(), s.end())).toList();
    }

    /** Where a chunk lies in the text: {@code [start, end)}, without surrounding whitespace. */
    record Span(int start, int end) {}

    /** The chunks' positions in {@code text}, in order. */
    List<Span> spans(String text) {
        List<Span> spans = new ArrayList<>();
        int len = text.length();
        int start = skipSpace(text, 0);
        while (start < len) {
            int cut = start + maxChars >= len ? len : cutPoint(text, start);
            int end = cut;
            while (end > start && Character.isWhitespace(text.charAt(end - 1))) {
                end--;
            }
            if (end > start) {
                spans.add(new Span(start, end));
            }
            if (skipSpace(text, cut) >= len) {
                break; // only whitespace is left: a next chunk would repeat the overlap alone
            }
            start = skipSpace(text, nextStart(text, start, cut));
        }
        return spans;
    }

    /** Where the chunk starting at {@code start} ends (exclusive); the text goes on beyond the window. */
    private int cutPoint(String text, int start) {
        int end = start + maxChars; // exclusive, < text.length()
        int min = start + maxChars / 2; // breaks in the first half would make small chunks
        int p = text.lastIndexOf("\n\n", end - 2);
        if (p >= min) {
            return p;
        }
        p = text.lastIndexOf('\n', end - 1);
        if (p >= min) {
            return p;
        }
        for (int i = end - 1; i >= min; i--) {
            if (isSentenceEnd(text, i)) {
                return i + 1;
            }
        }
        for (int i = end; i >= min; i--) {
            if (Character.isWhitespace(text.charAt(i))) {
                return i;
            }
        }
        return safe(text, end);
    }

    private static boolean isSentenceEnd(String text, int i) {
        char c = text.charAt(i);
        if (c == '。' || c == '！' || c == '？') {
            return true;
        }
        return (c == '.' || c == '!' || c == '?') && i + 1 < text.length() && Character.isWhitespace(text.charAt(i + 1));
    }

    /** About {@code overlapChars} before {@code cut}, moved forward to the start of a word; always after {@code start}. */
    private int nextStart(String text, int start, int cut) {
        int from = Math.max(cut - overlapChars, start + 1);
        if (from >= cut) {
            return cut;
        }
        if (from > 0 && !Character.isWhitespace(text.charAt(from - 1))) {
            for (int i = from; i < cut; i++) {
                if (Character.isWhitespace(text.charAt(i))) {
                    return i + 1;
                }
            }
            // no word boundary in the overlap (e.g. text without spaces): overlap mid-word
        }
        int next = safe(text, from);
        return next > start ? next : cut;
    }

    /** {@code i}, or one less when {@code i} would split a surrogate pair. */
    private static int safe(String text, int i) {
        return i > 0 && i < text.length() && Character.isHighSurrogate(text.charAt(i - 1))
                && Character.isLowSurrogate(text.charAt(i)) ? i - 1 : i;
    }

    private static int skipSpace(String text, int i) {
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        return i;
    }
}
