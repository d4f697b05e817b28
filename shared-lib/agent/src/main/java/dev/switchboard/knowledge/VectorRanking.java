package dev.switchboard.knowledge;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/** Similarity ranking over unit-length vectors: cosine similarity is their dot product. */
public final class VectorRanking {
    /** An item and its similarity to the query, in [-1, 1]. */
    public record Scored<T>(T item, double score) {}

    private VectorRanking() {}

    /** Cosine similarity of two unit-length vectors of the same length (their dot product). */
    public static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("vectors of different lengths: " + a.length + " and " + b.length);
        }
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
        }
        return dot;
    }

    /**
     * The at most {@code k} items most similar to {@code query} with a score of at least {@code minScore}, best first
     * (ties keep the items' order). Items without a vector, or with one of another length (e.g. embedded by another
     * model), are skipped.
     */
    public static <T> List<Scored<T>> topK(float[] query, Collection<? extends T> items,
                                           Function<? super T, float[]> vectorOf, int k, double minScore) {
        if (k <= 0 || items.isEmpty()) {
            return List.of();
        }
        List<Scored<T>> scored = new ArrayList<>();
        for (T item : items) {
            float[] v = vectorOf.apply(item);
            if (v == null || v.length != query.length) {
                continue;
            }
            double score = cosine(query, v);
            if (score >= minScore) {
                scored.add(new Scored<>(item, score));
            }
        }
        scored.sort(Comparator.comparingDouble((Scored<T> s) -> s.score()).reversed());
        return List.copyOf(scored.subList(0, Math.min(k, scored.size())));
    }
}
