package dev.switchboard.config;

/**
 * Every environment variable Switchboard reads, declared once: its name (the constant's), its kind, its default and,
 * for numbers, its range. {@link Env} reads a setting through these declarations, so a missing required value or a
 * bad value fails at init with the variable's name. README's Configuration table documents exactly these
 * (a test compares them), and the local stack passes every {@linkplain #tunable() tunable} one through from its own
 * environment to the functions.
 */
public enum Setting {
    // tables, queues and endpoints: the deployment (template.yaml, or the local stack) wires these
    CONNECTIONS_TABLE(Kind.TEXT, null, true),
    SESSIONS_TABLE(Kind.TEXT, null, true),
    MESSAGES_TABLE(Kind.TEXT, null, true),
    /** Per-user long-lived data: memories, knowledge-base documents and chunks, notes, quota and usage counters. */
    USER_DATA_TABLE(Kind.TEXT, null, true),
    TURNS_QUEUE_URL(Kind.TEXT, null, true),
    /** URL of the FIFO user-data queue: memory-extraction and document-indexing jobs (FIFO group = the user). */
    USER_DATA_QUEUE_URL(Kind.TEXT, null, true),
    /** URL of the turns queue's dead-letter queue (the operator API reports its depth). */
    DEAD_LETTER_QUEUE_URL(Kind.TEXT, null, true),
    /** URL of the user-data queue's dead-letter queue (the operator API reports its depth). */
    USER_DATA_DEAD_LETTER_QUEUE_URL(Kind.TEXT, null, true),
    /** https://{api-id}.execute-api.{region}.amazonaws.com/{stage}: the @connections callback endpoint. */
    CALLBACK_URL(Kind.TEXT, null, true),
    AWS_REGION(Kind.TEXT, "us-east-1", true),
    DYNAMODB_ENDPOINT(Kind.TEXT, null, true),
    SQS_ENDPOINT(Kind.TEXT, null, true),
    /** Endpoint override of the Secrets Manager client (tests' local double); unset on AWS. */
    SECRETS_MANAGER_ENDPOINT(Kind.TEXT, null, true),

    // secrets: the ARN variable wins (read from Secrets Manager); the plain variable only when no ARN is set
    /** Secrets Manager ARN of the HS256 secret (instead of JWT_SECRET). */
    JWT_SECRET_ARN(Kind.TEXT, null, true),
    /** Secrets Manager ARN of the OpenAI-compatible API key (instead of OPENAI_API_KEY). */
    OPENAI_API_KEY_SECRET_ARN(Kind.TEXT, null, true),
    /** A secret read from Secrets Manager is read again once its value is older than this (seconds). */
    SECRET_MAX_AGE_SECONDS(Kind.INT, "300", false, 1, 86_400),

    // auth (the local stack signs its own HS256 development tokens)
    /** hs256 | jwks. */
    AUTH_MODE(Kind.TEXT, "hs256", true),
    JWT_SECRET(Kind.TEXT, null, true),
    JWKS_URL(Kind.TEXT, null, true),
    JWT_ISSUER(Kind.TEXT, null, true),
    JWT_AUDIENCE(Kind.TEXT, "switchboard", true),
    /** The token claim that marks an operator: a space-separated string or a list of strings. */
    OPERATOR_CLAIM(Kind.TEXT, "scope", false),
    /** The value {@link #OPERATOR_CLAIM} must contain. */
    OPERATOR_CLAIM_VALUE(Kind.TEXT, "switchboard:operator", false),

    // models
    /** The model allow-list: comma-separated provider:name ids. */
    MODELS(Kind.TEXT, null, false),
    /** The id of MODELS used by sessions that chose none (default: the first). */
    DEFAULT_MODEL(Kind.TEXT, null, false),
    /** offline | openai: the single model when MODELS is unset. */
    MODEL_PROVIDER(Kind.TEXT, "offline", false),
    OPENAI_MODEL(Kind.TEXT, null, false),
    OPENAI_BASE_URL(Kind.TEXT, "https://api.openai.com/v1", false),
    OPENAI_API_KEY(Kind.TEXT, "not-needed", false),
    OLLAMA_BASE_URL(Kind.TEXT, "http://localhost:11434", false),
    /** Endpoint of the Bedrock runtime API instead of AWS_REGION's (tests point it at a local double). */
    BEDROCK_ENDPOINT(Kind.TEXT, null, false),
    MODEL_TIMEOUT_SECONDS(Kind.INT, "60", false, 1, 900),
    /** Pause per word of the offline model, to watch streaming. */
    OFFLINE_DELAY_MILLIS(Kind.INT, "0", false, 0, 10_000),
    SYSTEM_PROMPT(Kind.TEXT, "You are a helpful assistant. Answer clearly and concisely.", false),
    /** The bench model's first-token delay, token rate and answer length (bench:name in MODELS). */
    BENCH_FIRST_TOKEN_MILLIS(Kind.INT, "200", false, 0, 600_000),
    BENCH_TOKENS_PER_SECOND(Kind.INT, "50", false, 0, 100_000),
    BENCH_ANSWER_TOKENS(Kind.INT, "100", false, 0, 1_000_000),

    // the turn engine
    /**
     * How often a streaming turn reads its session for a cancel or a resume (milliseconds): the bound on how late
     * either reaches it, and one strongly consistent GetItem per interval of streaming.
     */
    CANCEL_POLL_MILLIS(Kind.INT, "1000", false, 50, 5000),
    /** Model calls one turn may make while it uses tools. */
    MAX_TOOL_ROUNDS(Kind.INT, "5", false, 0, 20),
    HISTORY_WINDOW(Kind.INT, "20", false, 0, 200),
    /** The wait after a turn's first delta (milliseconds); each later wait doubles, up to DELTA_FLUSH_MAX_MILLIS. */
    DELTA_FLUSH_MILLIS(Kind.INT, "100", false, 0, 10_000),
    /** The longest wait between two deltas of a turn (milliseconds; at least DELTA_FLUSH_MILLIS). */
    DELTA_FLUSH_MAX_MILLIS(Kind.INT, "600", false, 0, 10_000),
    DELTA_MAX_BYTES(Kind.INT, "2048", false, 64, 4096),
    /**
     * Failed deliveries before a turn or job is given up (a hand-off is not a failure). The user-data queue's
     * maxReceiveCount is this; the turns queue's is this plus RUN_MAX_HANDOFFS, as each hand-off spends a receive.
     */
    MAX_RECEIVE_COUNT(Kind.INT, "5", false, 1, 1000),
    /** The most times one run is handed on to a new worker invocation at the invocation's deadline (0 = never). */
    RUN_MAX_HANDOFFS(Kind.INT, "20", false, 0, 900),
    /** The longest one run may take, across its hand-offs (seconds); past it the run ends as RUN_TOO_LONG. */
    RUN_MAX_SECONDS(Kind.INT, "3600", false, 10, 86_400),
    /**
     * Seconds after which a failed queue record is delivered again (ChangeMessageVisibility), instead of the queue's
     * visibility timeout (6 x the worker's timeout); 0 = the visibility timeout. Not for a turn another run holds.
     */
    FAILED_RECORD_RETRY_SECONDS(Kind.INT, "30", false, 0, 43_200),
    CONNECTION_TTL_SECONDS(Kind.INT, "7200", false, 60, 7 * 24 * 3600),
    /** Days a stored message (and its idempotency claim, its tool calls) is kept before its TTL; 0 = until deleted. */
    MESSAGE_RETENTION_DAYS(Kind.INT, "0", false, 0, 36_500),

    // tools
    /** Comma list of tool names the agent may call; {@code *} every tool of every source, {@code none} no tool. */
    TOOLS_ALLOWED(Kind.TEXT, "current_time,calculate,save_note,list_notes,delete_note", false),
    /** Comma list of tool names that run only after the user approves the call ({@code *} all). */
    TOOLS_APPROVAL(Kind.TEXT, "", false),
    /** JSON array of MCP servers. */
    MCP_SERVERS(Kind.TEXT, "[]", false),

    // user tier
    USER_CACHE_SIZE(Kind.INT, "1000", false, 0, 10_000_000),
    USER_CACHE_TTL_SECONDS(Kind.INT, "300", false, 0, 86_400),
    /** Estimated heap MB the user cache may hold (its entries weigh their chunks, vectors and memories). */
    USER_CACHE_MAX_MB(Kind.INT, "256", false, 1, 1_000_000),

    // per-user limits (0 = off)
    LIMIT_TURNS_PER_MINUTE(Kind.INT, "20", false, 0, 1_000_000),
    LIMIT_CONCURRENT_TURNS(Kind.INT, "4", false, 0, 1_000_000),
    LIMIT_TOKENS_PER_DAY(Kind.LONG, "200000", false, 0, Long.MAX_VALUE),
    /** Most sessions a user holds at once (counted atomically; 0 = no cap). */
    LIMIT_SESSIONS_PER_USER(Kind.INT, "1000", false, 0, 1_000_000),
    /** Most knowledge-base documents a user holds at once (counted atomically; 0 = no cap). */
    LIMIT_DOCUMENTS_PER_USER(Kind.INT, "50", false, 0, 1_000_000),
    /** Most notes a user holds at once (counted atomically; 0 = only the tools' own limit of 100). */
    LIMIT_NOTES_PER_USER(Kind.INT, "100", false, 0, 100),
    /** addDocument actions a user may make per minute (0 = no limit). */
    LIMIT_DOCUMENTS_PER_MINUTE(Kind.INT, "10", false, 0, 1_000_000),
    /** createSession actions (and first messages that create a session) a user may make per minute (0 = no limit). */
    LIMIT_SESSIONS_PER_MINUTE(Kind.INT, "30", false, 0, 1_000_000),

    // sending to the turns queue: tries, then the job is held durably for the sweep (docs/reliability.md)
    /** Sends tried before a queue job is held for the sweep. */
    ENQUEUE_ATTEMPTS(Kind.INT, "3", false, 1, 10),
    /** Pause before the second send, doubled before each later one. */
    ENQUEUE_BACKOFF_MILLIS(Kind.INT, "50", false, 0, 5_000),

    // observability
    METRICS_NAMESPACE(Kind.TEXT, "Switchboard", false),
    /** Read by log4j2.xml itself. */
    LOG_LEVEL(Kind.TEXT, "INFO", false);

    /** How a value is read. */
    public enum Kind { TEXT, INT, LONG }

    private final Kind kind;
    private final String defaultValue;
    private final boolean wired;
    private final long min;
    private final long max;

    Setting(Kind kind, String defaultValue, boolean wired) {
        this(kind, defaultValue, wired, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    Setting(Kind kind, String defaultValue, boolean wired, long min, long max) {
        this.kind = kind;
        this.defaultValue = defaultValue;
        this.wired = wired;
        this.min = min;
        this.max = max;
    }

    public Kind kind() {
        return kind;
    }

    /** The value used when the variable is unset or blank; null when there is none (required, or optional). */
    public String defaultValue() {
        return defaultValue;
    }

    /**
     * Whether the deployment sets it for its own wiring (tables, queues, endpoints, auth), so that the local stack
     * sets it itself instead of passing it through; every other setting is tunable by whoever runs the stack.
     */
    public boolean tunable() {
        return !wired;
    }

    public long min() {
        return min;
    }

    public long max() {
        return max;
    }

    /** Parses and range-checks {@code raw} (not null); the message names the variable. */
    long parseNumber(String raw) {
        long v;
        try {
            v = Long.parseLong(raw.trim());
        } catch (NumberFormatException e) {
            throw new IllegalStateException("Environment variable " + name() + " must be an integer, got '" + raw + "'");
        }
        return requireInRange(v);
    }

    /** {@code value} when it is within this setting's range; otherwise fails naming the variable and the range. */
    public long requireInRange(long value) {
        if (kind == Kind.INT && (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) || value < min || value > max) {
            throw new IllegalStateException(name() + " must be from " + min + " to " + max + ", got " + value);
        }
        return value;
    }
}
