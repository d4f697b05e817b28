package dev.switchboard.config;

import java.util.Map;
import java.util.Objects;

/**
 * Read-only view of the process environment (or a map that stands in for it in the local stack and tests).
 * Every variable Switchboard reads is named here, with its default where it has one; see README "Configuration".
 */
public final class Env {
    // tables and queues (required by the functions that use them)
    public static final String CONNECTIONS_TABLE = "CONNECTIONS_TABLE";
    public static final String SESSIONS_TABLE = "SESSIONS_TABLE";
    public static final String MESSAGES_TABLE = "MESSAGES_TABLE";
    /** Per-user long-lived data: memories, knowledge-base documents and chunks, notes. */
    public static final String USER_DATA_TABLE = "USER_DATA_TABLE";
    public static final String TURNS_QUEUE_URL = "TURNS_QUEUE_URL";
    /** URL of the turns queue's dead-letter queue (the operator API reports its depth). */
    public static final String DEAD_LETTER_QUEUE_URL = "DEAD_LETTER_QUEUE_URL";
    /** https://{api-id}.execute-api.{region}.amazonaws.com/{stage}: the @connections callback endpoint. */
    public static final String CALLBACK_URL = "CALLBACK_URL";

    // auth
    public static final String AUTH_MODE = "AUTH_MODE"; // hs256 | jwks
    public static final String JWT_SECRET = "JWT_SECRET";
    public static final String JWKS_URL = "JWKS_URL";
    public static final String JWT_ISSUER = "JWT_ISSUER";
    public static final String JWT_AUDIENCE = "JWT_AUDIENCE";
    /**
     * The token claim that marks an operator (default {@code scope}, see
     * {@link dev.switchboard.auth.OperatorPolicy#DEFAULT_CLAIM}); a space-separated string or a list of strings.
     */
    public static final String OPERATOR_CLAIM = "OPERATOR_CLAIM";
    /** The value {@link #OPERATOR_CLAIM} must contain (default {@code switchboard:operator}). */
    public static final String OPERATOR_CLAIM_VALUE = "OPERATOR_CLAIM_VALUE";

    // model
    public static final String MODEL_PROVIDER = "MODEL_PROVIDER"; // offline | openai
    public static final String OPENAI_BASE_URL = "OPENAI_BASE_URL";
    public static final String OPENAI_API_KEY = "OPENAI_API_KEY";
    public static final String OPENAI_MODEL = "OPENAI_MODEL";
    public static final String SYSTEM_PROMPT = "SYSTEM_PROMPT";
    /** The model allow-list: comma-separated provider:name ids (offline, openai, ollama). */
    public static final String MODELS = "MODELS";
    /** The id of MODELS used by sessions that chose none (default: the first). */
    public static final String DEFAULT_MODEL = "DEFAULT_MODEL";
    public static final String OLLAMA_BASE_URL = "OLLAMA_BASE_URL";
    /** How often a running turn checks for a cancel (milliseconds). */
    public static final String CANCEL_POLL_MILLIS = "CANCEL_POLL_MILLIS";
    /** Model calls one turn may make while it uses tools. */
    public static final String MAX_TOOL_ROUNDS = "MAX_TOOL_ROUNDS";

    // tuning
    public static final String HISTORY_WINDOW = "HISTORY_WINDOW";
    /** The wait after a turn's first delta (milliseconds); each later wait doubles, up to DELTA_FLUSH_MAX_MILLIS. */
    public static final String DELTA_FLUSH_MILLIS = "DELTA_FLUSH_MILLIS";
    /** The longest wait between two deltas of a turn (milliseconds). */
    public static final String DELTA_FLUSH_MAX_MILLIS = "DELTA_FLUSH_MAX_MILLIS";
    public static final String DELTA_MAX_BYTES = "DELTA_MAX_BYTES";
    public static final String CONNECTION_TTL_SECONDS = "CONNECTION_TTL_SECONDS";
    public static final String MAX_RECEIVE_COUNT = "MAX_RECEIVE_COUNT";

    // tools
    /** Comma list of tool names the agent may call; {@code *} every tool of every source, {@code none} no tool. */
    public static final String TOOLS_ALLOWED = "TOOLS_ALLOWED";
    /** Comma list of tool names that run only after the user approves the call ({@code *} all); default none. */
    public static final String TOOLS_APPROVAL = "TOOLS_APPROVAL";
    /** JSON array of MCP servers, e.g. {@code [{"name":"crm","transport":"http","url":"http://host/mcp"}]}; default []. */
    public static final String MCP_SERVERS = "MCP_SERVERS";

    // user tier
    /** Users whose memories and documents a function instance keeps in memory (default 1000). */
    public static final String USER_CACHE_SIZE = "USER_CACHE_SIZE";
    /** Seconds a user's cached memories and documents are kept before they are read again (default 300). */
    public static final String USER_CACHE_TTL_SECONDS = "USER_CACHE_TTL_SECONDS";

    // per-user limits (0 = off)
    /** Messages a user may send per minute (default 20). */
    public static final String LIMIT_TURNS_PER_MINUTE = "LIMIT_TURNS_PER_MINUTE";
    /** Answers a user may have running at once, across sessions (default 4). */
    public static final String LIMIT_CONCURRENT_TURNS = "LIMIT_CONCURRENT_TURNS";
    /** Model tokens (input + output) a user may use per UTC day (default 200000). */
    public static final String LIMIT_TOKENS_PER_DAY = "LIMIT_TOKENS_PER_DAY";

    // observability
    /** CloudWatch namespace of the embedded-metric-format records (default Switchboard). */
    public static final String METRICS_NAMESPACE = "METRICS_NAMESPACE";

    // AWS / emulators
    public static final String AWS_REGION = "AWS_REGION";
    public static final String DYNAMODB_ENDPOINT = "DYNAMODB_ENDPOINT";
    public static final String SQS_ENDPOINT = "SQS_ENDPOINT";

    private final Map<String, String> values;
    private final Map<Class<?>, Object> extras;

    public Env(Map<String, String> values) {
        this(values, Map.of());
    }

    private Env(Map<String, String> values, Map<Class<?>, Object> extras) {
        this.values = Map.copyOf(Objects.requireNonNull(values, "values"));
        this.extras = Map.copyOf(extras);
    }

    /**
     * This environment plus an in-process object that a host hands to the composition roots it builds (the local
     * stack's benchmark passes SDK interceptors this way); Lambda's environment never carries one.
     */
    public <T> Env withExtra(Class<T> type, T value) {
        Map<Class<?>, Object> more = new java.util.HashMap<>(extras);
        more.put(type, Objects.requireNonNull(value, "value"));
        return new Env(values, more);
    }

    /** The object of {@code type} given by {@link #withExtra}, if any. */
    public <T> java.util.Optional<T> extra(Class<T> type) {
        return java.util.Optional.ofNullable(type.cast(extras.get(type)));
    }

    public static Env system() {
        return new Env(System.getenv());
    }

    /** A required variable: missing or blank fails at init with the variable's name in the message. */
    public String require(String name) {
        String v = values.get(name);
        if (v == null || v.isBlank()) {
            throw new IllegalStateException("Missing required environment variable " + name
                    + " (see README, section Configuration)");
        }
        return v.trim();
    }

    public String get(String name, String defaultValue) {
        String v = values.get(name);
        return v == null || v.isBlank() ? defaultValue : v.trim();
    }

    public java.util.Optional<String> optional(String name) {
        return java.util.Optional.ofNullable(get(name, null));
    }

    public int getInt(String name, int defaultValue) {
        String v = get(name, null);
        if (v == null) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("Environment variable " + name + " must be an integer, got '" + v + "'");
        }
    }

    /** A required setting: missing or blank fails with the variable's name. */
    public String require(Setting setting) {
        return require(setting.name());
    }

    /** A text setting: its value, else its declared default (null when it has none). */
    public String text(Setting setting) {
        return get(setting.name(), setting.defaultValue());
    }

    /** A setting that may be unset and has no default. */
    public java.util.Optional<String> optional(Setting setting) {
        return optional(setting.name());
    }

    /** A whole-number setting, range-checked against its declaration; unset gives its default. */
    public int integer(Setting setting) {
        return Math.toIntExact(number(setting));
    }

    /** A long setting, range-checked against its declaration; unset gives its default. */
    public long longValue(Setting setting) {
        return number(setting);
    }

    private long number(Setting setting) {
        if (setting.kind() == Setting.Kind.TEXT) {
            throw new IllegalArgumentException(setting + " is not a number");
        }
        String raw = get(setting.name(), setting.defaultValue());
        if (raw == null) {
            throw new IllegalStateException("Missing required environment variable " + setting
                    + " (see README, section Configuration)");
        }
        return setting.parseNumber(raw);
    }

    public Map<String, String> asMap() {
        return values;
    }
}
