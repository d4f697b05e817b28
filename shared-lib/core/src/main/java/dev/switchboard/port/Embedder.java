package dev.switchboard.port;

import java.util.List;

/** Turns text into vectors for similarity ranking (global tier: the in-process embedding model, built once). */
public interface Embedder {
    /** The model's name, e.g. {@code all-minilm-l6-v2}. */
    String name();

    int dimensions();

    /** Unit-length vectors, one per text, in order. */
    List<float[]> embedAll(List<String> texts);

    default float[] embed(String text) {
        return embedAll(List.of(text)).get(0);
    }
}
