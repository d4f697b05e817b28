package dev.switchboard.protocol;

/** The documented limits of protocol v1 (docs/protocol.md). */
public final class Limits {
    /** API Gateway's WebSocket message limit; the gateway closes the connection with 1009 beyond it. */
    public static final int MAX_FRAME_BYTES = 128 * 1024;
    /** Largest frame the server sends (API Gateway's WebSocket frame limit is 32 KB). */
    public static final int MAX_SERVER_FRAME_BYTES = 32 * 1024;
    /** Largest reply the server returns on a route (history pages are cut to fit); the message limit is 128 KB. */
    public static final int MAX_REPLY_BYTES = 120 * 1024;
    public static final int MAX_TEXT_CHARS = 16_000;
    public static final int MAX_ID_CHARS = 64;
    public static final int MAX_CURSOR_CHARS = 1024;
    public static final int MAX_PAGE = 100;
    public static final int DEFAULT_SESSIONS_PAGE = 20;
    public static final int DEFAULT_HISTORY_PAGE = 50;
    public static final int MAX_JSON_DEPTH = 16;
    public static final int MAX_TITLE_CHARS = 200;
    public static final int MAX_SYSTEM_PROMPT_CHARS = 4_000;
    public static final int MAX_MODEL_ID_CHARS = 100;
    /** A knowledge-base document (documents are chunked and embedded; see docs/protocol.md). */
    public static final int MAX_DOCUMENT_CHARS = 50_000;
    /** The optional comment of {@code rateMessage}. */
    public static final int MAX_RATING_COMMENT_CHARS = 1_000;
    /** The {@code query} of {@code searchMessages}. */
    public static final int MAX_SEARCH_QUERY_CHARS = 200;
    public static final int DEFAULT_SEARCH_RESULTS = 10;
    public static final int MAX_SEARCH_RESULTS = 20;
    /** Highest delta seq a client may name in {@code resume}. */
    public static final int MAX_SEQ = 1_000_000;

    private Limits() {}
}
