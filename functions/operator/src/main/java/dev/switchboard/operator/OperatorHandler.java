package dev.switchboard.operator;

import dev.switchboard.usecase.ModelListing;
import dev.switchboard.config.ModelIds;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.adapter.apigw.ApiGatewayConnections;
import dev.switchboard.adapter.dynamodb.DynamoDbCensus;
import dev.switchboard.adapter.dynamodb.DynamoDbConnectionStore;
import dev.switchboard.adapter.dynamodb.DynamoDbDocumentStore;
import dev.switchboard.adapter.dynamodb.DynamoDbKnowledgeVersions;
import dev.switchboard.adapter.dynamodb.DynamoDbMemoryStore;
import dev.switchboard.adapter.dynamodb.DynamoDbMessageStore;
import dev.switchboard.adapter.dynamodb.DynamoDbSessionStore;
import dev.switchboard.adapter.dynamodb.DynamoDbTableCheck;
import dev.switchboard.adapter.dynamodb.DynamoDbUsageCounters;
import dev.switchboard.adapter.http.HttpEndpointCheck;
import dev.switchboard.adapter.sqs.SqsQueueMonitor;
import dev.switchboard.auth.OperatorPolicy;
import dev.switchboard.auth.TokenVerifier;
import dev.switchboard.config.Env;
import dev.switchboard.domain.Page;
import dev.switchboard.domain.Session;
import dev.switchboard.log.LogContext;
import dev.switchboard.port.Clock;
import dev.switchboard.port.DependencyCheck;
import dev.switchboard.port.InvalidCursorException;
import dev.switchboard.port.UsageCounters;
import dev.switchboard.protocol.ServerEvent;
import dev.switchboard.adapter.aws.AwsClients;
import dev.switchboard.runtime.ProcessFigures;
import dev.switchboard.runtime.WebSocketEvents;
import dev.switchboard.adapter.dynamodb.DynamoDbNoteStore;
import dev.switchboard.usecase.operator.OperatorAccess;
import dev.switchboard.usecase.operator.OperatorApi;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.crac.Core;
import org.crac.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The operator HTTP API (API Gateway HTTP API, payload format 2.0): {@code GET /health}, {@code GET /stats},
 * {@code GET /users/{userId}/sessions}, {@code DELETE /users/{userId}/connections}, {@code DELETE /users/{userId}}.
 * Every route needs an operator's bearer token ({@link OperatorAccess}: 401 without a valid token, 403 for a user's
 * token), except that {@code GET /health} without any token answers bare liveness. Thin: it parses the request, calls
 * {@link OperatorApi} and writes JSON.
 */
public final class OperatorHandler
        implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>, Resource {
    public static final List<String> REQUIRED_ENV = List.of(Env.CONNECTIONS_TABLE, Env.SESSIONS_TABLE,
            Env.MESSAGES_TABLE, Env.USER_DATA_TABLE, Env.TURNS_QUEUE_URL, Env.DEAD_LETTER_QUEUE_URL, Env.CALLBACK_URL,
            Env.JWT_ISSUER);
    private static final Logger LOG = LoggerFactory.getLogger(OperatorHandler.class);
    private static final Map<String, String> JSON_HEADERS =
            Map.of("Content-Type", "application/json", "Cache-Control", "no-store");
    private static final String REALM = "Bearer realm=\"switchboard-operator\"";
    /** How long a model endpoint may take to answer the health check's GET. */
    private static final Duration MODEL_PROBE_TIMEOUT = Duration.ofMillis(2500);

    private final OperatorApi api;
    private final OperatorAccess access;
    private final ObjectMapper json = new ObjectMapper();
    private final ProcessFigures figures = new ProcessFigures();

    /** Lambda's entry point: the composition root. */
    public OperatorHandler() {
        this(Env.system());
    }

    public OperatorHandler(Env env) {
        this(compose(env), new OperatorAccess(TokenVerifier.fromEnv(env), OperatorPolicy.fromEnv(env)));
        Core.getGlobalContext().register(this);
    }

    public OperatorHandler(OperatorApi api, OperatorAccess access) {
        this.api = api;
        this.access = access;
    }

    private static OperatorApi compose(Env env) {
        DynamoDbClient dynamo = AwsClients.dynamoDb(env);
        String connections = env.require(Env.CONNECTIONS_TABLE);
        String sessions = env.require(Env.SESSIONS_TABLE);
        String messages = env.require(Env.MESSAGES_TABLE);
        String userData = env.require(Env.USER_DATA_TABLE);
        var stores = new OperatorApi.UserStores(new DynamoDbConnectionStore(dynamo, connections),
                new DynamoDbSessionStore(dynamo, sessions), new DynamoDbMessageStore(dynamo, messages),
                new DynamoDbMemoryStore(dynamo, userData), new DynamoDbDocumentStore(dynamo, userData),
                new DynamoDbNoteStore(dynamo, userData), new DynamoDbKnowledgeVersions(dynamo, userData));
        List<DependencyCheck> checks = new ArrayList<>(List.of(
                new DynamoDbTableCheck(dynamo, "ConnectionsTable", connections),
                new DynamoDbTableCheck(dynamo, "SessionsTable", sessions),
                new DynamoDbTableCheck(dynamo, "MessagesTable", messages),
                new DynamoDbTableCheck(dynamo, "UserDataTable", userData)));
        checks.addAll(modelChecks(env));
        var monitoring = new OperatorApi.Monitoring(new DynamoDbCensus(dynamo, connections, sessions, messages),
                new SqsQueueMonitor(AwsClients.sqs(env), env.require(Env.TURNS_QUEUE_URL),
                        env.require(Env.DEAD_LETTER_QUEUE_URL)),
                new DynamoDbUsageCounters(dynamo, userData), checks);
        return new OperatorApi(stores, new ApiGatewayConnections(AwsClients.connections(env)), monitoring,
                Clock.SYSTEM);
    }

    /** One reachability check per model provider of MODELS (the offline model runs in process: always up). */
    static List<DependencyCheck> modelChecks(Env env) {
        Set<String> providers = new LinkedHashSet<>();
        for (ServerEvent.ModelInfo m : ModelListing.of(ModelIds.fromEnv(env)).models()) {
            providers.add(m.provider());
        }
        List<DependencyCheck> checks = new ArrayList<>();
        for (String provider : providers) {
            checks.add(switch (provider) {
                case "openai" -> new HttpEndpointCheck("model:openai",
                        trimSlash(env.get(Env.OPENAI_BASE_URL, "https://api.openai.com/v1")) + "/models",
                        MODEL_PROBE_TIMEOUT);
                case "ollama" -> new HttpEndpointCheck("model:ollama",
                        trimSlash(env.get(Env.OLLAMA_BASE_URL, "http://localhost:11434")) + "/api/tags",
                        MODEL_PROBE_TIMEOUT);
                default -> DependencyCheck.of("model:" + provider, "model", () -> "in process");
            });
        }
        return checks;
    }

    private static String trimSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    // ---- routing ----

    private enum Route { HEALTH, STATS, SESSIONS, CONNECTIONS, USER }

    private record Target(Route route, String userId, Set<String> methods) {}

    /** The route of a path (as API Gateway's routes declare them), or null. */
    private static Target target(String path, Map<String, String> pathParameters) {
        String p = path == null ? "" : path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1)
                : path;
        switch (p) {
            case "/health" -> {
                return new Target(Route.HEALTH, null, Set.of("GET"));
            }
            case "/stats" -> {
                return new Target(Route.STATS, null, Set.of("GET"));
            }
            default -> {
                String[] parts = p.split("/", -1);
                if (parts.length < 3 || parts.length > 4 || !parts[0].isEmpty() || !parts[1].equals("users")
                        || parts[2].isEmpty()) {
                    return null;
                }
                String userId = pathParameters != null && pathParameters.get("userId") != null
                        ? pathParameters.get("userId") : parts[2];
                if (parts.length == 3) {
                    return new Target(Route.USER, userId, Set.of("DELETE"));
                }
                return switch (parts[3]) {
                    case "sessions" -> new Target(Route.SESSIONS, userId, Set.of("GET"));
                    case "connections" -> new Target(Route.CONNECTIONS, userId, Set.of("DELETE"));
                    default -> null;
                };
            }
        }
    }

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        boolean cold = figures.invoked();
        var rc = event.getRequestContext();
        String requestId = rc == null ? null : rc.getRequestId();
        String method = rc != null && rc.getHttp() != null ? rc.getHttp().getMethod() : null;
        String path = event.getRawPath() != null ? event.getRawPath()
                : rc != null && rc.getHttp() != null ? rc.getHttp().getPath() : null;
        try (var log = LogContext.open(requestId, null, null)) {
            Target target = target(path, event.getPathParameters());
            if (target == null) {
                return error(404, "NOT_FOUND", "No such route", Map.of());
            }
            if (method == null || !target.methods().contains(method)) {
                return error(405, "METHOD_NOT_ALLOWED", "Use " + String.join(", ", target.methods()),
                        Map.of("Allow", String.join(", ", target.methods())));
            }
            OperatorAccess.Decision decision = access.check(event.getHeaders());
            switch (decision) {
                case OperatorAccess.Decision.NoToken n when target.route() == Route.HEALTH -> {
                    return ok(Map.of("status", "ok"));
                }
                case OperatorAccess.Decision.NoToken n -> {
                    return error(401, "UNAUTHORIZED", "An operator's bearer token is required",
                            Map.of("WWW-Authenticate", REALM));
                }
                case OperatorAccess.Decision.Unauthenticated u -> {
                    LOG.info("operator request refused: {}", u.reason());
                    return error(401, "UNAUTHORIZED", "The bearer token is not valid",
                            Map.of("WWW-Authenticate", REALM + ", error=\"invalid_token\""));
                }
                case OperatorAccess.Decision.Forbidden f -> {
                    LOG.info("operator request of a non-operator {} refused", LogContext.hashUser(f.user().userId()));
                    return error(403, "FORBIDDEN", "This token does not carry the operator claim", Map.of());
                }
                case OperatorAccess.Decision.Operator op -> {
                    try (var opLog = LogContext.open(requestId, null, op.user().userId())) {
                        return serve(target, event.getQueryStringParameters(), cold);
                    }
                }
            }
        } catch (IllegalArgumentException | InvalidCursorException e) {
            return error(400, "INVALID_FIELD", e.getMessage(), Map.of());
        } catch (RuntimeException e) {
            LOG.error("operator request failed: {}", e.getClass().getSimpleName(), e);
            return error(500, "INTERNAL", "Something went wrong; the request can be retried", Map.of());
        }
    }

    private APIGatewayV2HTTPResponse serve(Target t, Map<String, String> query, boolean cold) {
        return switch (t.route()) {
            case HEALTH -> health(cold);
            case STATS -> ok(stats(api.stats(intParam(query, "minutes", OperatorApi.DEFAULT_STATS_MINUTES))));
            case SESSIONS -> ok(sessions(t.userId(), api.sessions(t.userId(),
                    intParam(query, "limit", 50), query == null ? null : query.get("cursor"))));
            case CONNECTIONS -> {
                OperatorApi.ConnectionsEnded ended = api.endConnections(t.userId());
                LOG.info("operator ended the connections of {}: {}", LogContext.hashUser(t.userId()), ended);
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("userId", t.userId());
                body.putAll(connections(ended));
                yield ok(body);
            }
            case USER -> {
                OperatorApi.DeletionReport r = api.deleteUser(t.userId());
                LOG.info("operator deleted the data of {}: sessions={} messages={} memories={} documents={} notes={}",
                        LogContext.hashUser(t.userId()), r.sessions(), r.messages(), r.memories(), r.documents(),
                        r.notes());
                yield ok(deletion(r));
            }
        };
    }

    private static int intParam(Map<String, String> query, String name, int defaultValue) {
        String v = query == null ? null : query.get(name);
        if (v == null || v.isBlank()) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer");
        }
    }

    // ---- JSON ----

    private APIGatewayV2HTTPResponse health(boolean cold) {
        OperatorApi.Health h = api.health();
        List<Map<String, Object>> checks = new ArrayList<>();
        for (OperatorApi.Check c : h.checks()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", c.name());
            m.put("kind", c.kind());
            m.put("up", c.up());
            m.put("millis", c.millis());
            m.put("detail", c.detail());
            checks.add(m);
        }
        ProcessFigures.Snapshot p = figures.snapshot(cold);
        Map<String, Object> process = new LinkedHashMap<>();
        process.put("start", p.start());
        process.put("restored", p.restored());
        process.put("uptimeSeconds", p.uptimeMillis() / 1000);
        process.put("invocations", p.invocations());
        process.put("heap", ordered("usedBytes", p.heapUsedBytes(), "committedBytes", p.heapCommittedBytes(),
                "maxBytes", p.heapMaxBytes()));
        process.put("processors", p.processors());
        process.put("java", Runtime.version().toString());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", h.up() ? "ok" : "degraded");
        body.put("at", Instant.now().toString());
        body.put("dependencies", checks);
        body.put("process", process);
        return respond(h.up() ? 200 : 503, body, Map.of());
    }

    private static Map<String, Object> stats(OperatorApi.Stats s) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("at", Instant.ofEpochMilli(s.atMillis()).toString());
        body.put("connections", s.openConnections() == null ? null : Map.of("open", s.openConnections()));
        var sessions = s.sessions();
        body.put("sessions", sessions == null ? null : ordered("total", sessions.total(), "busy", sessions.busy()));
        body.put("turnsInFlight", sessions == null ? null : sessions.busy());
        Map<String, Object> queue = new LinkedHashMap<>();
        if (s.turnsQueue() != null) {
            queue.put("depth", s.turnsQueue().visible());
            queue.put("inFlight", s.turnsQueue().inFlight());
            queue.put("delayed", s.turnsQueue().delayed());
        }
        queue.put("oldestTurnAgeSeconds", sessions == null || sessions.oldestPendingTurnMillis() == null ? null
                : Math.max(0, (s.atMillis() - sessions.oldestPendingTurnMillis()) / 1000));
        body.put("queue", queue);
        body.put("deadLetterQueue", s.deadLetterQueue() == null ? null
                : Map.of("depth", s.deadLetterQueue().visible() + s.deadLetterQueue().inFlight()
                        + s.deadLetterQueue().delayed()));
        OperatorApi.Usage u = s.usage();
        if (u == null) {
            body.put("userCache", null);
            body.put("usage", null);
        } else {
            Map<String, Object> cache = new LinkedHashMap<>();
            cache.put("hits", u.cacheHits());
            cache.put("misses", u.cacheMisses());
            cache.put("hitRate", u.cacheHitRate() == null ? null : round(u.cacheHitRate(), 3));
            cache.put("largestSize", u.cacheSizeMax());
            body.put("userCache", cache);
            Map<String, Object> usage = new LinkedHashMap<>();
            usage.put("windowMinutes", u.windowMinutes());
            usage.put("turns", u.turns());
            usage.put("tokensIn", u.tokensIn());
            usage.put("tokensOut", u.tokensOut());
            usage.put("turnsPerMinute", round(u.turnsPerMinute(), 2));
            usage.put("tokensPerMinute", round(u.tokensPerMinute(), 2));
            usage.put("errors", u.errors());
            List<Map<String, Object>> perMinute = new ArrayList<>();
            for (UsageCounters.Minute m : u.minutes()) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("minute", Instant.ofEpochSecond(m.minute() * 60).toString());
                row.putAll(new java.util.TreeMap<>(m.values()));
                perMinute.add(row);
            }
            usage.put("perMinute", perMinute);
            body.put("usage", usage);
        }
        body.put("unavailable", s.unavailable());
        return body;
    }

    /** A JSON object with its keys in the given order (name, value, name, value, ...). */
    private static Map<String, Object> ordered(Object... namesAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            m.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return m;
    }

    private static double round(double v, int places) {
        double f = Math.pow(10, places);
        return Math.round(v * f) / f;
    }

    private static Map<String, Object> sessions(String userId, Page<Session> page) {
        List<Map<String, Object>> items = new ArrayList<>();
        for (Session s : page.items()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("sessionId", s.sessionId());
            m.put("title", s.title());
            m.put("createdAt", s.createdAtMillis());
            m.put("updatedAt", s.updatedAtMillis());
            m.put("model", s.model());
            m.put("busyPolicy", s.busyPolicy() == null ? null : s.busyPolicy().name().toLowerCase(java.util.Locale.ROOT));
            m.put("busy", s.busy());
            m.put("lastTurnId", s.lastTurnId());
            items.add(m);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("userId", userId);
        body.put("sessions", items);
        body.put("nextCursor", page.nextCursor());
        return body;
    }

    private static Map<String, Object> connections(OperatorApi.ConnectionsEnded e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("found", e.found());
        m.put("closed", e.closed());
        m.put("gone", e.gone());
        m.put("failed", e.failed());
        return m;
    }

    private static Map<String, Object> deletion(OperatorApi.DeletionReport r) {
        Map<String, Object> deleted = new LinkedHashMap<>();
        deleted.put("sessions", r.sessions());
        deleted.put("messages", r.messages());
        deleted.put("memories", r.memories());
        deleted.put("documents", r.documents());
        deleted.put("notes", r.notes());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("userId", r.userId());
        body.put("deleted", deleted);
        body.put("connections", connections(r.connections()));
        return body;
    }

    private APIGatewayV2HTTPResponse ok(Map<String, Object> body) {
        return respond(200, body, Map.of());
    }

    private APIGatewayV2HTTPResponse error(int status, String code, String message, Map<String, String> headers) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", code);
        body.put("message", message);
        return respond(status, body, headers);
    }

    private APIGatewayV2HTTPResponse respond(int status, Map<String, Object> body, Map<String, String> headers) {
        Map<String, String> h = new LinkedHashMap<>(JSON_HEADERS);
        h.putAll(headers);
        String text;
        try {
            text = json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the response", e);
        }
        return APIGatewayV2HTTPResponse.builder().withStatusCode(status).withHeaders(h).withBody(text)
                .withIsBase64Encoded(false).build();
    }

    // ---- SnapStart ----

    /** Primes liveness, a refused token and the per-user read path (a user no token can carry); writes nothing. */
    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        handleRequest(primingEvent(null), null);
        handleRequest(primingEvent("Bearer e30.e30.priming"), null);
        api.prime(WebSocketEvents.PRIMING_USER);
    }

    private static APIGatewayV2HTTPEvent primingEvent(String authorization) {
        var http = new APIGatewayV2HTTPEvent.RequestContext.Http();
        http.setMethod("GET");
        http.setPath("/health");
        var rc = new APIGatewayV2HTTPEvent.RequestContext();
        rc.setHttp(http);
        rc.setRequestId("priming");
        rc.setRouteKey("GET /health");
        var e = new APIGatewayV2HTTPEvent();
        e.setRawPath("/health");
        e.setRouteKey("GET /health");
        e.setRequestContext(rc);
        e.setHeaders(authorization == null ? Map.of() : Map.of("authorization", authorization));
        return e;
    }

    /** The first invocation after a restore is reported as cold again; uptime counts from the restore. */
    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        figures.restored();
    }
}
