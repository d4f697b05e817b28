package dev.switchboard.domain;

/** Limits of the per-user memory and knowledge base, and the retrieval settings. */
public final class KnowledgeLimits {
    /** Longest document text accepted for the knowledge base, in chars. */
    public static final int MAX_DOCUMENT_CHARS = 50_000;
    public static final int MAX_DOCUMENTS_PER_USER = 50;
    public static final int MAX_TITLE_CHARS = 200;
    public static final int MAX_MEMORIES_PER_USER = 200;
    /** Longest memory text, in chars; longer facts proposed by the extractor are dropped. */
    public static final int MAX_MEMORY_CHARS = 500;
    /** Most memories one turn's extraction may add. */
    public static final int MAX_MEMORY_ADDS_PER_TURN = 5;

    /** Longest chunk, in chars (UTF-16 units). */
    public static final int CHUNK_CHARS = 800;
    /** About this many chars at the end of a chunk are repeated at the start of the next. */
    public static final int CHUNK_OVERLAP_CHARS = 100;

    /** Memories given to the model per turn. */
    public static final int TOP_K_MEMORIES = 5;
    /** Document excerpts given to the model per turn. */
    public static final int TOP_K_CHUNKS = 4;
    /**
     * Least cosine similarity for an item to be given to the model. With all-MiniLM-L6-v2, unrelated sentences score
     * around 0.0-0.2 and paraphrases or answers to a question 0.5 and more.
     */
    public static final double MIN_SCORE = 0.3;

    private KnowledgeLimits() {}
}
