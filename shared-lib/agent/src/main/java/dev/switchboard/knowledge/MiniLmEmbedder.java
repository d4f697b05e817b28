package dev.switchboard.knowledge;

import dev.switchboard.port.Embedder;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.AbstractInProcessEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.OnnxBertBiEncoder;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * all-MiniLM-L6-v2 run in process (ONNX, 384 dimensions): langchain4j's {@link AllMiniLmL6V2EmbeddingModel}, with
 * every vector scaled to unit length. Loading the model takes a second or two: build one per process (global tier).
 * langchain4j keeps that model in a static field, so every instance built with a constructor shares the one loaded by
 * the first; {@link #ownCopy()} loads another one (what a process that shares nothing pays each time). The model's jar
 * is an optional dependency of shared-lib; only the worker carries it.
 */
public final class MiniLmEmbedder implements Embedder, AutoCloseable {
    public static final String NAME = "all-minilm-l6-v2";
    public static final int DIMENSIONS = 384;
    /** The model and tokenizer files in the model's jar (where langchain4j's own loader reads them). */
    private static final String MODEL_FILE = "all-minilm-l6-v2.onnx";
    private static final String TOKENIZER_FILE = "all-minilm-l6-v2-tokenizer.json";

    private final EmbeddingModel model;
    /** The ONNX session this instance loaded itself ({@link #ownCopy()}), closed by {@link #close()}; else null. */
    private final OrtSession ownSession;

    /** Embeds several texts in parallel on langchain4j's default thread pool. */
    public MiniLmEmbedder() {
        this(new AllMiniLmL6V2EmbeddingModel(), null);
    }

    /** Embeds several texts in parallel on {@code executor}. */
    public MiniLmEmbedder(Executor executor) {
        this(new AllMiniLmL6V2EmbeddingModel(executor), null);
    }

    private MiniLmEmbedder(EmbeddingModel model, OrtSession ownSession) {
        this.model = model;
        this.ownSession = ownSession;
    }

    /**
     * The same model loaded again into an ONNX session of its own, not langchain4j's process-wide one: the cost of an
     * embedding model built per request (the load benchmark's per-request mode). {@link #close()} frees the session.
     */
    public static MiniLmEmbedder ownCopy() {
        OrtEnvironment ort = OrtEnvironment.getEnvironment();
        try (InputStream modelFile = resource(MODEL_FILE); InputStream tokenizerFile = resource(TOKENIZER_FILE)) {
            OrtSession session = ort.createSession(modelFile.readAllBytes());
            OnnxBertBiEncoder encoder = new OnnxBertBiEncoder(ort, session, tokenizerFile, PoolingMode.MEAN);
            return new MiniLmEmbedder(new AbstractInProcessEmbeddingModel(null) {
                @Override
                protected OnnxBertBiEncoder model() {
                    return encoder;
                }

                @Override
                protected Integer knownDimension() {
                    return DIMENSIONS;
                }
            }, session);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the embedding model from its jar", e);
        } catch (OrtException e) {
            throw new IllegalStateException("cannot load the embedding model: " + e.getMessage(), e);
        }
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = AllMiniLmL6V2EmbeddingModel.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IOException(name + " is not on the class path");
        }
        return in;
    }

    /** Frees the ONNX session of an {@link #ownCopy()}; the shared model of the other instances stays loaded. */
    @Override
    public void close() {
        if (ownSession != null) {
            try {
                ownSession.close();
            } catch (OrtException e) {
                throw new IllegalStateException("cannot close the embedding model: " + e.getMessage(), e);
            }
        }
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
