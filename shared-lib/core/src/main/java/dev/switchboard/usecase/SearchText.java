package dev.switchboard.usecase;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The lexical side of searchMessages: tokens, BM25 scores over one window of documents, and excerpts. A token is a
 * run of Unicode letters, digits and combining marks, lower-cased; a run of CJK characters (Han, Hiragana, Katakana,
 * Hangul), which has no spaces between words, gives its characters and each pair of neighbours (bigrams) in a
 * document, and its bigrams (its one character when alone) in a query, so "東京タワー" finds "東京".
 */
final class SearchText {
    /** BM25's term-frequency saturation and length normalisation, the usual values. */
    static final double K1 = 1.2;
    static final double B = 0.75;
    /** Characters of an excerpt, and how many of them come before the first hit. */
    static final int EXCERPT_CHARS = 160;
    static final int EXCERPT_LEAD = 50;

    private SearchText() {}

    /** One token and where it starts in the text (a char index). */
    record Token(String term, int start) {}

    /** The tokens of a stored message (CJK: characters and bigrams). */
    static List<Token> documentTokens(String text) {
        return tokens(text, true);
    }

    /** The distinct terms of a query (CJK: bigrams; one character alone stays a character). */
    static Set<String> queryTerms(String query) {
        Set<String> out = new java.util.LinkedHashSet<>();
        for (Token t : tokens(query, false)) {
            out.add(t.term());
        }
        return out;
    }

    private static List<Token> tokens(String text, boolean document) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        int n = text.length();
        while (i < n) {
            int cp = text.codePointAt(i);
            if (cjk(cp)) {
                List<Integer> starts = new ArrayList<>();
                int j = i;
                while (j < n && cjk(text.codePointAt(j))) {
                    starts.add(j);
                    j += Character.charCount(text.codePointAt(j));
                }
                starts.add(j);
                int chars = starts.size() - 1;
                for (int k = 0; k < chars; k++) {
                    if (document || chars == 1) {
                        out.add(new Token(text.substring(starts.get(k), starts.get(k + 1)), starts.get(k)));
                    }
                    if (k + 1 < chars) {
                        out.add(new Token(text.substring(starts.get(k), starts.get(k + 2)), starts.get(k)));
                    }
                }
                i = j;
            } else if (wordPart(cp)) {
                int j = i;
                while (j < n && wordPart(text.codePointAt(j)) && !cjk(text.codePointAt(j))) {
                    j += Character.charCount(text.codePointAt(j));
                }
                out.add(new Token(text.substring(i, j).toLowerCase(Locale.ROOT), i));
                i = j;
            } else {
                i += Character.charCount(cp);
            }
        }
        return out;
    }

    private static boolean wordPart(int cp) {
        int type = Character.getType(cp);
        return Character.isLetterOrDigit(cp) || type == Character.NON_SPACING_MARK
                || type == Character.COMBINING_SPACING_MARK;
    }

    /** A CJK letter; also the marks of the common script used inside Japanese words (ー, 々). */
    private static boolean cjk(int cp) {
        if (!Character.isLetterOrDigit(cp)) {
            return false;
        }
        Character.UnicodeScript s = Character.UnicodeScript.of(cp);
        if (s == Character.UnicodeScript.HAN || s == Character.UnicodeScript.HIRAGANA
                || s == Character.UnicodeScript.KATAKANA || s == Character.UnicodeScript.HANGUL) {
            return true;
        }
        Character.UnicodeBlock b = Character.UnicodeBlock.of(cp);
        return b == Character.UnicodeBlock.KATAKANA || b == Character.UnicodeBlock.HIRAGANA
                || b == Character.UnicodeBlock.CJK_SYMBOLS_AND_PUNCTUATION
                || b == Character.UnicodeBlock.HALFWIDTH_AND_FULLWIDTH_FORMS && s == Character.UnicodeScript.COMMON;
    }

    /**
     * BM25 scores of {@code docs} (their tokens) for {@code terms}, with the document frequencies and the average
     * length of this window; 0 for a document that holds no term.
     */
    static double[] bm25(List<List<Token>> docs, Set<String> terms) {
        int count = docs.size();
        double[] scores = new double[count];
        if (count == 0 || terms.isEmpty()) {
            return scores;
        }
        List<Map<String, Integer>> tf = new ArrayList<>(count);
        Map<String, Integer> df = new HashMap<>();
        long totalLength = 0;
        for (List<Token> doc : docs) {
            Map<String, Integer> f = new HashMap<>();
            for (Token t : doc) {
                if (terms.contains(t.term())) {
                    f.merge(t.term(), 1, Integer::sum);
                }
            }
            f.keySet().forEach(term -> df.merge(term, 1, Integer::sum));
            tf.add(f);
            totalLength += doc.size();
        }
        double avgLength = Math.max(1.0, (double) totalLength / count);
        for (int d = 0; d < count; d++) {
            double length = docs.get(d).size();
            double score = 0;
            for (Map.Entry<String, Integer> e : tf.get(d).entrySet()) {
                int n = df.get(e.getKey());
                double idf = Math.log(1 + (count - n + 0.5) / (n + 0.5));
                double f = e.getValue();
                score += idf * f * (K1 + 1) / (f + K1 * (1 - B + B * length / avgLength));
            }
            scores[d] = score;
        }
        return scores;
    }

    /** Where the first token of {@code doc} that is one of {@code terms} starts; -1 when none is. */
    static int firstHit(List<Token> doc, Set<String> terms) {
        int first = -1;
        for (Token t : doc) {
            if (terms.contains(t.term()) && (first < 0 || t.start() < first)) {
                first = t.start();
            }
        }
        return first;
    }

    /**
     * About {@link #EXCERPT_CHARS} characters (code points) of {@code text} around {@code hit}, on one line, with
     * "…" where text was left out.
     */
    static String excerpt(String text, int hit) {
        int length = text.codePointCount(0, text.length());
        int hitCp = text.codePointCount(0, Math.max(0, hit));
        int from = Math.max(0, Math.min(hitCp - EXCERPT_LEAD, length - EXCERPT_CHARS));
        int to = Math.min(length, from + EXCERPT_CHARS);
        String cut = text.substring(text.offsetByCodePoints(0, from), text.offsetByCodePoints(0, to))
                .replaceAll("\\s+", " ").strip();
        return (from > 0 ? "…" : "") + cut + (to < length ? "…" : "");
    }

    /** The distinct terms of a set of tokens (for tests and checks). */
    static Set<String> terms(List<Token> tokens) {
        Set<String> out = new HashSet<>();
        tokens.forEach(t -> out.add(t.term()));
        return out;
    }
}
