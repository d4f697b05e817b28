package dev.switchboard.operator;

import dev.switchboard.runtime.Priming;
import dev.switchboard.config.Setting;
import dev.switchboard.usecase.ModelListing;
import dev.switchboard.config.ModelIds;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
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
import dev.switchboard.adapter.secretsmanager.SecretsManagerSecretSource;
import dev.switchboard.config.Env;
import dev.switchboard.config.Secrets;
import dev.switchboard.log.LogContext;
import dev.switchboard.port.Clock;
import dev.switchboard.port.DependencyCheck;
import dev.switchboard.port.InvalidCursorException;
import dev.switchboard.port.QueueMonitor;
import dev.switchboard.protocol.ServerEvent;
import dev.switchboard.adapter.aws.AwsClients;
import dev.switchboard.runtime.ProcessFigures;
import dev.switchboard.runtime.RequestIds;
import dev.switchboard.runtime.WebSocketEvents;
import dev.switchboard.adapter.dynamodb.DynamoDbNoteStore;
import dev.switchboard.adapter.dynamodb.DynamoDbUserPartition;
import dev.switchboard.usecase.operator.OperatorAccess;
import dev.switchboard.usecase.operator.OperatorApi;
import java.time.Duration;
import java.util.ArrayList;
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
 * token), except that {@code GET /health} without any token answers bare liveness. Thin: it dispatches on the event's
 * {@code routeKey} ({@link OperatorRoute}) with its {@code pathParameters}, calls one {@link OperatorApi} method and
 * writes its result as JSON ({@link OperatorBodies}). A route key the API does not declare (only a direct invocation
 * can carry one: API Gateway answers those itself) is 405 when its path has other methods, else 404.
 */
public final class OperatorHandler
        implements RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>, Resource {
    public static final List<String> REQUIRED_ENV = List.of(Setting.CONNECTIONS_TABLE.name(), Setting.SESSIONS_TABLE.name(),
            Setting.MESSAGES_TABLE.name(), Setting.USER_DATA_TABLE.name(), Setting.TURNS_QUEUE_URL.name(), Setting.DEAD_LETTER_QUEUE_URL.name(),
            Setting.USER_DATA_QUEUE_URL.name(), Setting.USER_DATA_DEAD_LETTER_QUEUE_URL.name(), Setting.CALLBACK_URL.name(),
            Setting.JWT_ISSUER.name());
    private static final Logger LOG = LoggerFactory.getLogger(OperatorHandler.class);
    private static final String REALM = "Bearer realm=\"switchboard-operator\"";
    /** How long a model endpoint may take to answer the health check's GET. */
    private static final Duration MODEL_PROBE_TIMEOUT = Duration.ofMillis(2500);

    private final OperatorApi api;
    private final OperatorAccess access;
    /** The HS256 secret, when it comes from Secrets Manager: read again after a restore. */
    private final Secrets secrets;
    private final JsonResponses responses = new JsonResponses();
    private final ProcessFigures figures = new ProcessFigures();

    /** Lambda's entry point: the composition root. */
    public OperatorHandler() {
        this(Env.system());
    }

    public OperatorHandler(Env env) {
        this(env, SecretsManagerSecretSource.secretsOf(env));
        Core.getGlobalContext().register(this);
    }

    private OperatorHandler(Env env, Secrets secrets) {
        this(compose(env), new OperatorAccess(TokenVerifier.fromEnv(env, secrets), OperatorPolicy.fromEnv(env)),
                secrets);
    }

    public OperatorHandler(OperatorApi api, OperatorAccess access) {
        this(api, access, Secrets.none());
    }

    OperatorHandler(OperatorApi api, OperatorAccess access, Secrets secrets) {
        this.api = api;
        this.access = access;
        this.secrets = secrets;
    }

    private static OperatorApi compose(Env env) {
        DynamoDbClient dynamo = AwsClients.dynamoDb(env);
        String connections = env.require(Setting.CONNECTIONS_TABLE);
        String sessions = env.require(Setting.SESSIONS_TABLE);
        String messages = env.require(Setting.MESSAGES_TABLE);
        String userData = env.require(Setting.USER_DATA_TABLE);
        var stores = new OperatorApi.UserStores(new DynamoDbConnectionStore(dynamo, connections),
                new DynamoDbSessionStore(dynamo, sessions), new DynamoDbMessageStore(dynamo, messages),
                new DynamoDbMemoryStore(dynamo, userData), new DynamoDbDocumentStore(dynamo, userData),
                new DynamoDbNoteStore(dynamo, userData), new DynamoDbKnowledgeVersions(dynamo, userData),
                new DynamoDbUserPartition(dynamo, userData));
        List<DependencyCheck> checks = new ArrayList<>(List.of(
                new DynamoDbTableCheck(dynamo, "ConnectionsTable", connections),
                new DynamoDbTableCheck(dynamo, "SessionsTable", sessions),
                new DynamoDbTableCheck(dynamo, "MessagesTable", messages),
                new DynamoDbTableCheck(dynamo, "UserDataTable", userData)));
        checks.addAll(modelChecks(env));
        var monitoring = new OperatorApi.Monitoring(new DynamoDbCensus(dynamo, connections, sessions, messages),
                new SqsQueueMonitor(AwsClients.sqs(env), Map.of(
                        QueueMonitor.Queue.TURNS, env.require(Setting.TURNS_QUEUE_URL),
                        QueueMonitor.Queue.DEAD_LETTERS, env.require(Setting.DEAD_LETTER_QUEUE_URL),
                        QueueMonitor.Queue.USER_DATA, env.require(Setting.USER_DATA_QUEUE_URL),
                        QueueMonitor.Queue.USER_DATA_DEAD_LETTERS,
                        env.require(Setting.USER_DATA_DEAD_LETTER_QUEUE_URL))),
                new DynamoDbUsageCounters(dynamo, userData), checks);
        return new OperatorApi(stores, new ApiGatewayConnections(AwsClients.connections(env)), monitoring,
                Clock.SYSTEM);
    }

    /**
     * One reachability check per model provider of MODELS (the offline model runs in process: always up; Bedrock is
     * not probed).
     */
    static List<DependencyCheck> modelChecks(Env env) {
        Set<String> providers = new LinkedHashSet<>();
        for (ServerEvent.ModelInfo m : ModelListing.of(ModelIds.fromEnv(env)).models()) {
            providers.add(m.provider());
        }
        List<DependencyCheck> checks = new ArrayList<>();
        for (String provider : providers) {
            checks.add(switch (provider) {
                case "openai" -> new HttpEndpointCheck("model:openai",
                        trimSlash(env.text(Setting.OPENAI_BASE_URL)) + "/models",
                        MODEL_PROBE_TIMEOUT);
                case "ollama" -> new HttpEndpointCheck("model:ollama",
                        trimSlash(env.text(Setting.OLLAMA_BASE_URL)) + "/api/tags",
                        MODEL_PROBE_TIMEOUT);
                // an AWS API the worker's role alone may call: the operator function has no Bedrock permission
                case "bedrock" -> DependencyCheck.of("model:bedrock", "model", () -> "not probed (AWS API)");
                default -> DependencyCheck.of("model:" + provider, "model", () -> "in process");
            });
        }
        return checks;
    }

    private static String trimSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    // ---- requests ----

    @Override
    public APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        boolean cold = figures.invoked();
        RequestIds ids = RequestIds.of(event);
        try (var log = ids.open()) {
            OperatorRoute route = OperatorRoute.of(event.getRouteKey()).orElse(null);
            if (route == null) {
                return unrouted(event.getRouteKey());
            }
            OperatorAccess.Decision decision = access.check(event.getHeaders());
            switch (decision) {
                case OperatorAccess.Decision.NoToken n when route == OperatorRoute.HEALTH -> {
                    return responses.ok(new OperatorBodies.Status("ok"));
                }
                case OperatorAccess.Decision.NoToken n -> {
                    return responses.error(401, "UNAUTHORIZED", "An operator's bearer token is required",
                            Map.of("WWW-Authenticate", REALM));
                }
                case OperatorAccess.Decision.Unauthenticated u -> {
                    LOG.info("operator request refused: {}", u.reason());
                    return responses.error(401, "UNAUTHORIZED", "The bearer token is not valid",
                            Map.of("WWW-Authenticate", REALM + ", error=\"invalid_token\""));
                }
                case OperatorAccess.Decision.Forbidden f -> {
                    LOG.info("operator request of a non-operator {} refused", LogContext.hashUser(f.user().userId()));
                    return responses.error(403, "FORBIDDEN", "This token does not carry the operator claim", Map.of());
                }
                case OperatorAccess.Decision.Operator op -> {
                    try (var opLog = ids.withUser(op.user().userId()).open()) {
                        return serve(route, event, cold);
                    }
                }
            }
        } catch (IllegalArgumentException | InvalidCursorException e) {
            return responses.error(400, "INVALID_FIELD", e.getMessage(), Map.of());
        } catch (RuntimeException e) {
            LOG.error("operator request failed: {}", e.getClass().getSimpleName(), e);
            return responses.error(500, "INTERNAL", "Something went wrong; the request can be retried", Map.of());
        }
    }

    /** A route key this API does not declare: 405 when its path has routes for other methods, else 404. */
    private APIGatewayV2HTTPResponse unrouted(String routeKey) {
        List<String> methods = OperatorRoute.methodsOfPath(routeKey);
        if (methods.isEmpty()) {
            return responses.error(404, "NOT_FOUND", "No such route", Map.of());
        }
        String allow = String.join(", ", methods);
        return responses.error(405, "METHOD_NOT_ALLOWED", "Use " + allow, Map.of("Allow", allow));
    }

    private APIGatewayV2HTTPResponse serve(OperatorRoute route, APIGatewayV2HTTPEvent event, boolean cold) {
        Map<String, String> query = event.getQueryStringParameters();
        String userId = event.getPathParameters() == null ? null
                : event.getPathParameters().get(OperatorRoute.USER_ID);
        return switch (route) {
            case HEALTH -> {
                OperatorApi.Health h = api.health();
                yield responses.respond(h.up() ? 200 : 503, OperatorBodies.Health.of(h, figures.snapshot(cold)),
                        Map.of());
            }
            case STATS -> responses.ok(OperatorBodies.Stats.of(
                    api.stats(intParam(query, "minutes", OperatorApi.DEFAULT_STATS_MINUTES))));
            case SESSIONS -> responses.ok(OperatorBodies.Sessions.of(userId,
                    api.sessions(userId, intParam(query, "limit", 50), query == null ? null : query.get("cursor"))));
            case CONNECTIONS -> {
                OperatorApi.ConnectionsEnded ended = api.endConnections(userId);
                LOG.info("operator ended the connections of {}: {}", LogContext.hashUser(userId), ended);
                yield responses.ok(new OperatorBodies.ConnectionsEnded(userId, ended));
            }
            case USER -> {
                OperatorApi.DeletionReport r = api.deleteUser(userId);
                LOG.info("operator deleted the data of {}: sessions={} messages={} memories={} documents={} notes={}",
                        LogContext.hashUser(userId), r.sessions(), r.messages(), r.memories(), r.documents(),
                        r.notes());
                yield responses.ok(OperatorBodies.Deletion.of(r));
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

    // ---- SnapStart ----

    /** Primes liveness, a refused token and the per-user read path (a user no token can carry); writes nothing. */
    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        prime();
    }

    /** The priming steps; returns how many failed (logged, never thrown: see {@link Priming}). */
    int prime() {
        return Priming.run("operator", () -> handleRequest(primingEvent(null), null),
                () -> handleRequest(primingEvent("Bearer e30.e30.priming"), null),
                () -> api.prime(WebSocketEvents.PRIMING_USER));
    }

    private static APIGatewayV2HTTPEvent primingEvent(String authorization) {
        var http = new APIGatewayV2HTTPEvent.RequestContext.Http();
        http.setMethod("GET");
        http.setPath("/health");
        var rc = new APIGatewayV2HTTPEvent.RequestContext();
        rc.setHttp(http);
        rc.setRequestId("priming");
        rc.setRouteKey(OperatorRoute.HEALTH.routeKey());
        var e = new APIGatewayV2HTTPEvent();
        e.setRawPath("/health");
        e.setRouteKey(OperatorRoute.HEALTH.routeKey());
        e.setRequestContext(rc);
        e.setHeaders(authorization == null ? Map.of() : Map.of("authorization", authorization));
        return e;
    }

    /** The first invocation after a restore is reported as cold again; uptime counts from the restore. */
    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        figures.restored();
        secrets.refresh();
    }
}
