package dev.switchboard.knowledge;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * all-MiniLM-L6-v2 run in process (ONNX, 384 dimensions): langchain4j's {@link AllMiniLmL6V2EmbeddingModel}, with
 * every vector scaled to unit length. Loading the model takes a second or two: build one per process (global tier).
 * The model's jar is an optional dependency of shared-lib; only the worker carries it.
 */
public final class MiniLmEmbedder implements Embedder {
    public static final String NAME = "all-minilm-l6-v2";
    public static final int DIMENSIONS = 384;

    private final EmbeddingModel model;

    /** Embeds several texts in parallel on langchain4j's default thread pool. */
    public MiniLmEmbedder() {
        this(new AllMiniLmL6V2EmbeddingModel());
    }

    /** Embeds several texts in parallel on {@code executor}. */
    public MiniLmEmbedder(Executor executor) {
        this(new AllMiniLmL6V2EmbeddingModel(executor));
    }

    private MiniLmEmbedder(EmbeddingModel model) {
        this.model = model;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int dimensions() {
        return DIMENSIONS;
    }

    @Override
    public List<float[]> embedAll(List<String> texts) {
        if (texts.isEmpty()) {
            return List.of();
        }
        List<TextSegment> segments = new ArrayList<>(texts.size());
        for (String t : texts) {
            // langchain4j refuses blank segments: a blank text is embedded as "."
            segments.add(TextSegment.from(t == null || t.isBlank() ? "." : t));
        }
        List<Embedding> embeddings = model.embedAll(segments).content();
        List<float[]> out = new ArrayList<>(embeddings.size());
        for (Embedding e : embeddings) {
            out.add(unit(e.vector()));
        }
        return out;
    }

    static float[] unit(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        float[] out = v.clone();
        if (sum > 0) {
            float inv = (float) (1.0 / Math.sqrt(sum));
            for (int i = 0; i < out.length; i++) {
                out[i] *= inv;
            }
        }
        return out;
    }
}
