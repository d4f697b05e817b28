package dev.switchboard.usecase;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** searchMessages' tokens, BM25 and excerpts on their own. */
class SearchTextTest {
    private static List<String> terms(String text) {
        return SearchText.documentTokens(text).stream().map(SearchText.Token::term).toList();
    }

    @Test
    void wordsAreLowerCasedRunsOfLettersDigitsAndMarksWithTheirStart() {
        assertThat(terms("Café, naïve! R2-D2 déjà")).containsExactly("café", "naïve", "r2", "d2", "déjà");
        assertThat(SearchText.documentTokens("  Hello world")).containsExactly(new SearchText.Token("hello", 2),
                new SearchText.Token("world", 8));
        assertThat(terms("नमस्ते दुनिया")).as("Devanagari keeps its vowel signs").containsExactly("नमस्ते", "दुनिया");
        assertThat(terms("?! — …")).isEmpty();
    }

    @Test
    void cjkRunsGiveCharactersAndBigramsInADocumentAndBigramsInAQuery() {
        assertThat(terms("AI東京タワー")).containsExactly("ai", "東", "東京", "京", "京タ", "タ", "タワ", "ワ", "ワー", "ー");
        assertThat(SearchText.queryTerms("東京タワー")).containsExactly("東京", "京タ", "タワ", "ワー");
        assertThat(SearchText.queryTerms("城")).containsExactly("城");
        assertThat(SearchText.queryTerms("서울 Seoul")).containsExactly("서울", "seoul");
    }

    @Test
    void bm25FavoursMoreOccurrencesShorterDocumentsAndRarerTerms() {
        List<List<SearchText.Token>> docs = List.of(
                SearchText.documentTokens("tea"),
                SearchText.documentTokens("tea tea with friends"),
                SearchText.documentTokens("tea with a long story about nothing much at all really"),
                SearchText.documentTokens("coffee"),
                SearchText.documentTokens("tea and coffee"));
        double[] tea = SearchText.bm25(docs, Set.of("tea"));
        assertThat(tea[3]).isZero();
        assertThat(tea[0]).isGreaterThan(tea[2]);
        assertThat(tea[1]).isGreaterThan(tea[2]);
        double[] both = SearchText.bm25(docs, Set.of("tea", "coffee"));
        assertThat(both[4]).as("both terms").isGreaterThan(both[0]).isGreaterThan(both[2]);
        assertThat(both[3]).as("coffee is rarer than tea").isGreaterThan(both[0]);
    }

    @Test
    void anExcerptIsCutAroundTheHitOnOneLine() {
        assertThat(SearchText.excerpt("short\ntext", 0)).isEqualTo("short text");
        String text = "a".repeat(300) + " needle " + "b".repeat(300);
        String e = SearchText.excerpt(text, 301);
        assertThat(e).startsWith("…").endsWith("…").contains("needle");
        assertThat(e.codePointCount(0, e.length())).isEqualTo(SearchText.EXCERPT_CHARS + 2);
        String end = SearchText.excerpt("x".repeat(500) + " needle", 501);
        assertThat(end).startsWith("…").endsWith("needle");
        String emoji = "😀".repeat(200) + "needle";
        assertThat(SearchText.excerpt(emoji, emoji.indexOf("needle"))).contains("needle").doesNotContain("\uFFFD");
    }
}
