package dev.switchboard.testing;

import dev.switchboard.port.Embedder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test-only {@link Embedder}: a deterministic hashed bag of words. Each word (lower case, letters and digits, a few
 * English stop words left out) adds ±1 at a dimension chosen by its hash; the sum is scaled to unit length. Texts that
 * share words are similar, texts that share none score about 0. A text without words gets the first unit vector.
 */
public class HashingEmbedder implements Embedder {
    private static final Set<String> STOP_WORDS = Set.of("a", "an", "the", "is", "are", "was", "be", "of", "to",
            "and", "or", "in", "on", "at", "for", "with", "my", "i", "me", "you", "your", "it", "what", "do", "does",
            "user", "s");

    private final int dimensions;
    /** Texts embedded so far. */
    public final AtomicInteger texts = new AtomicInteger();
    /** Calls of {@link #embedAll} (and so of {@link #embed}) so far. */
    public final AtomicInteger calls = new AtomicInteger();

    public HashingEmbedder() {
        this(256);
    }

    public HashingEmbedder(int dimensions) {
        this.dimensions = dimensions;
    }

    @Override
    public String name() {
        return "hashing-bag-of-words-" + dimensions;
    }

    @Override
    public int dimensions() {
        return dimensions;
    }

    @Override
    public List<float[]> embedAll(List<String> inputs) {
        calls.incrementAndGet();
        texts.addAndGet(inputs.size());
        List<float[]> out = new ArrayList<>(inputs.size());
        for (String text : inputs) {
            out.add(vector(text));
        }
        return out;
    }

    private float[] vector(String text) {
        float[] v = new float[dimensions];
        for (String word : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
            if (word.isEmpty() || STOP_WORDS.contains(word)) {
                continue;
            }
            int h = word.hashCode() * 0x9E3779B9; // String.hashCode is specified, so vectors are the same everywhere
            v[Math.floorMod(h >>> 1, dimensions)] += (h & 1) == 0 ? 1f : -1f;
        }
        double sum = 0;
        for (float x : v) {
            sum += x * x;
        }
        if (sum == 0) {
            v[0] = 1f;
            return v;
        }
        float inv = (float) (1 / Math.sqrt(sum));
        for (int i = 0; i < v.length; i++) {
            v[i] *= inv;
        }
        return v;
    }
}
