package dev.switchboard.knowledge;

import dev.switchboard.domain.KnowledgeLimits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The real all-MiniLM-L6-v2 model (loaded once for the class: about a second). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MiniLmEmbedderTest {
    private MiniLmEmbedder embedder;

    @BeforeAll
    void load() {
        long t0 = System.nanoTime();
        embedder = new MiniLmEmbedder();
        embedder.embed("warm up");
        long loadMillis = (System.nanoTime() - t0) / 1_000_000;
        List<String> texts = List.of("My dog is called Rex.", "I prefer tea over coffee in the morning.",
                "The quarterly report is due on Friday.", "Paris is the capital of France.",
                "She plays the violin in an orchestra.", "The server returned a 503 error during the deployment.",
                "We are planning a trip to Japan next spring.", "Bake the bread at 220 degrees for thirty minutes.",
                "The user works as a nurse in Berlin.", "Quantum computers use qubits instead of bits.");
        long t1 = System.nanoTime();
        for (String t : texts) {
            embedder.embed(t);
        }
        double perText = (System.nanoTime() - t1) / 1e6 / texts.size();
        long t2 = System.nanoTime();
        embedder.embedAll(texts);
        double perTextBatch = (System.nanoTime() - t2) / 1e6 / texts.size();
        System.out.printf("MiniLM: load + first embedding %d ms; %.1f ms per text one by one, %.1f ms per text in a"
                + " batch of %d%n", loadMillis, perText, perTextBatch, texts.size());
    }

    private double similarity(String a, String b) {
        return VectorRanking.cosine(embedder.embed(a), embedder.embed(b));
    }

    @Test
    void describesItself() {
        assertThat(embedder.name()).isEqualTo("all-minilm-l6-v2");
        assertThat(embedder.dimensions()).isEqualTo(384);
    }

    @Test
    void vectorsHave384DimensionsAndUnitLength() {
        List<float[]> vs = embedder.embedAll(List.of("Hello world", "A much longer sentence about something else "
                .repeat(40), " "));
        assertThat(vs).hasSize(3);
        for (float[] v : vs) {
            assertThat(v).hasSize(384);
            assertThat(VectorRanking.cosine(v, v)).isCloseTo(1.0, within(1e-4));
        }
    }

    @Test
    void embedAllKeepsTheOrderOfTheTexts() {
        List<float[]> both = embedder.embedAll(List.of("I love hiking in the mountains.", "Stock prices fell today."));
        assertThat(VectorRanking.cosine(both.get(0), embedder.embed("I love hiking in the mountains.")))
                .isCloseTo(1.0, within(1e-4));
        assertThat(VectorRanking.cosine(both.get(1), embedder.embed("Stock prices fell today.")))
                .isCloseTo(1.0, within(1e-4));
        assertThat(embedder.embedAll(List.of())).isEmpty();
    }

    @Test
    void similarSentencesRankAboveUnrelatedOnes() {
        String query = "What is my dog's name?";
        List<String> candidates = List.of("The stock market fell sharply today.", "My dog is called Rex.",
                "I like to cook Italian food.", "The train to Munich leaves at nine.");
        float[] q = embedder.embed(query);
        var ranked = VectorRanking.topK(q, embedder.embedAll(candidates), v -> v, 4, -1);
        List<float[]> vectors = embedder.embedAll(candidates);
        for (var s : ranked) {
            System.out.printf("  %.3f %s%n", s.score(), candidates.get(indexOf(vectors, s.item())));
        }
        assertThat(candidates.get(indexOf(vectors, ranked.get(0).item()))).isEqualTo("My dog is called Rex.");

        double paraphrase = similarity("I prefer tea over coffee.", "The user likes tea more than coffee.");
        double unrelated = similarity("I prefer tea over coffee.", "The server returned a 503 error.");
        System.out.printf("  paraphrase %.3f, unrelated %.3f, min score %.2f%n", paraphrase, unrelated,
                KnowledgeLimits.MIN_SCORE);
        assertThat(paraphrase).isGreaterThan(KnowledgeLimits.MIN_SCORE).isGreaterThan(unrelated + 0.3);
        assertThat(unrelated).isLessThan(KnowledgeLimits.MIN_SCORE);
    }

    @Test
    void anOwnCopyEmbedsLikeTheSharedModelAndCloseFreesOnlyItsOwnSession() {
        String text = "We are planning a trip to Japan next spring.";
        float[] shared = embedder.embed(text);
        MiniLmEmbedder copy = MiniLmEmbedder.ownCopy();
        assertThat(VectorRanking.cosine(copy.embed(text), shared)).isCloseTo(1.0, within(1e-4));

        copy.close();
        assertThatThrownBy(() -> copy.embed(text)).as("its session is closed").isInstanceOf(RuntimeException.class);
        new MiniLmEmbedder().close();
        assertThat(VectorRanking.cosine(embedder.embed(text), shared)).as("the shared model stays loaded")
                .isCloseTo(1.0, within(1e-4));
    }

    private static int indexOf(List<float[]> vectors, float[] v) {
        for (int i = 0; i < vectors.size(); i++) {
            if (VectorRanking.cosine(vectors.get(i), v) > 0.9999) {
                return i;
            }
        }
        return -1;
    }
}
