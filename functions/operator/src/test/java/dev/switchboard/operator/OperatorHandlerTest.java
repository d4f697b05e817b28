package dev.switchboard.operator;

import dev.switchboard.config.Setting;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.auth.DevTokens;
import dev.switchboard.auth.OperatorPolicy;
import dev.switchboard.auth.TokenVerifier;
import dev.switchboard.config.Env;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.Connection;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.Session;
import dev.switchboard.domain.Memory;
import dev.switchboard.port.Census;
import dev.switchboard.port.DependencyCheck;
import dev.switchboard.port.QueueMonitor;
import dev.switchboard.port.UsageCounters;
import dev.switchboard.testing.CracFixtures;
import dev.switchboard.testing.LocalSecretsManager;
import dev.switchboard.testing.LogLines;
import dev.switchboard.testing.EventFixtures;
import dev.switchboard.testing.FixedMonitoring;
import dev.switchboard.testing.InMemoryConnectionStore;
import dev.switchboard.testing.InMemoryDocumentStore;
import dev.switchboard.testing.InMemoryKnowledgeVersions;
import dev.switchboard.testing.InMemoryMemoryStore;
import dev.switchboard.testing.InMemoryMessageStore;
import dev.switchboard.testing.InMemoryNoteStore;
import dev.switchboard.testing.InMemorySessionStore;
import dev.switchboard.testing.InMemoryUsageCounters;
import dev.switchboard.testing.RecordingGateway;
import dev.switchboard.usecase.operator.OperatorAccess;
import dev.switchboard.usecase.operator.OperatorApi;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OperatorHandlerTest {
    private static final String SECRET = "0123456789abcdef0123456789abcdef-test-secret";
    private static final long NOW = System.currentTimeMillis();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DevTokens tokens = new DevTokens(SECRET, "iss", "switchboard");
    private final String operator = tokens.issueOperator("ops-1", Duration.ofMinutes(5));
    private final String user = tokens.issue("user-1", Duration.ofMinutes(5));

    private final InMemoryConnectionStore connections = new InMemoryConnectionStore();
    private final InMemorySessionStore sessions = new InMemorySessionStore();
    private final InMemoryMessageStore messages = new InMemoryMessageStore();
    private final InMemoryMemoryStore memories = new InMemoryMemoryStore();
    private final InMemoryNoteStore notes = new InMemoryNoteStore();
    private final RecordingGateway gateway = new RecordingGateway();
    private final FixedMonitoring monitoring = new FixedMonitoring();
    private final InMemoryUsageCounters usage = new InMemoryUsageCounters();
    private final List<DependencyCheck> dependencies = new ArrayList<>();
    private final OperatorHandler handler = new OperatorHandler(
            new OperatorApi(new OperatorApi.UserStores(connections, sessions, messages, memories,
                    new InMemoryDocumentStore(), notes, new InMemoryKnowledgeVersions(), userId -> 0), gateway,
                    new OperatorApi.Monitoring(monitoring, monitoring, usage, dependencies), () -> NOW),
            new OperatorAccess(TokenVerifier.hs256(SECRET, "iss", "switchboard"), OperatorPolicy.defaults()));

    @TempDir
    Path tmp;

    /**
     * An event as API Gateway sends it for {@code routeKey} ({@code METHOD /path}), with {@code userId} (or null) as
     * the {@code userId} path parameter.
     */
    private static APIGatewayV2HTTPEvent request(String routeKey, String userId, String token,
                                                 Map<String, String> query) {
        String method = routeKey.substring(0, routeKey.indexOf(' '));
        String path = routeKey.substring(routeKey.indexOf(' ') + 1);
        if (userId != null) {
            path = path.replace("{userId}", URLEncoder.encode(userId, StandardCharsets.UTF_8));
        }
        var http = new APIGatewayV2HTTPEvent.RequestContext.Http();
        http.setMethod(method);
        http.setPath(path);
        var rc = new APIGatewayV2HTTPEvent.RequestContext();
        rc.setHttp(http);
        rc.setRequestId("req-1");
        rc.setRouteKey(routeKey);
        var e = new APIGatewayV2HTTPEvent();
        e.setRouteKey(routeKey);
        e.setRawPath(path);
        e.setPathParameters(userId == null ? null : Map.of("userId", userId));
        e.setRequestContext(rc);
        Map<String, String> headers = new HashMap<>();
        if (token != null) {
            headers.put("authorization", "Bearer " + token);
        }
        e.setHeaders(headers);
        e.setQueryStringParameters(query);
        return e;
    }

    private APIGatewayV2HTTPResponse call(String routeKey, String userId, String token) {
        return handler.handleRequest(request(routeKey, userId, token, null), null);
    }

    private APIGatewayV2HTTPResponse call(String routeKey, String token) {
        return call(routeKey, null, token);
    }

    private static JsonNode body(APIGatewayV2HTTPResponse r) throws Exception {
        assertThat(r.getHeaders()).containsEntry("Content-Type", "application/json");
        return JSON.readTree(r.getBody());
    }

    private void seed(String userId) {
        sessions.createIfAbsent(new Session(userId, "s-1", "first", NOW, NOW));
        sessions.createIfAbsent(new Session(userId, "s-2", "second", NOW, NOW));
        messages.putIfAbsent(new StoredMessage(userId, "s-1", "0000000000001-00000000", Role.USER, "hi", NOW, null));
        messages.putIfAbsent(new StoredMessage(userId, "s-1", "0000000000001-00000000", Role.ASSISTANT, "hello", NOW, "m"));
        memories.put(new Memory(userId, "m1", "likes tea", null, null, NOW, NOW, null));
        connections.put(new Connection(userId, userId + "-c1", NOW, NOW / 1000 + 3600));
    }

    // ------------------------------------------------------------------ auth

    @Test
    void withoutATokenOnlyLivenessAnswers() throws Exception {
        APIGatewayV2HTTPResponse health = handler.handleRequest(EventLoader.loadApiGatewayHttpEvent(
                EventFixtures.eventsDir().resolve("operator-health.json").toString()), null);
        assertThat(health.getStatusCode()).isEqualTo(200);
        assertThat(body(health).toString()).isEqualTo("{\"status\":\"ok\"}");

        for (String[] route : new String[][] {{"GET /stats", null}, {"GET /users/{userId}/sessions", "u1"},
                {"DELETE /users/{userId}/connections", "u1"}, {"DELETE /users/{userId}", "u1"}}) {
            APIGatewayV2HTTPResponse r = call(route[0], route[1], null);
            assertThat(r.getStatusCode()).as(route[0]).isEqualTo(401);
            assertThat(r.getHeaders()).containsEntry("WWW-Authenticate", "Bearer realm=\"switchboard-operator\"");
            assertThat(body(r).path("error").asText()).isEqualTo("UNAUTHORIZED");
        }
    }

    @Test
    void anInvalidTokenIs401EvenForHealth() throws Exception {
        for (String routeKey : new String[] {"GET /health", "GET /stats"}) {
            APIGatewayV2HTTPResponse r = call(routeKey, "not.a.token");
            assertThat(r.getStatusCode()).isEqualTo(401);
            assertThat(r.getHeaders().get("WWW-Authenticate")).contains("invalid_token");
        }
        var e = request("GET /stats", null, null, null);
        e.setHeaders(Map.of("Authorization", "Basic dXNlcjpwYXNz"));
        assertThat(handler.handleRequest(e, null).getStatusCode()).isEqualTo(401);
    }

    @Test
    void aUsersTokenIs403OnEveryRouteAndChangesNothing() throws Exception {
        seed("victim");
        for (String[] route : new String[][] {{"GET /health", null}, {"GET /stats", null},
                {"GET /users/{userId}/sessions", "victim"}, {"DELETE /users/{userId}/connections", "victim"},
                {"DELETE /users/{userId}", "victim"}}) {
            APIGatewayV2HTTPResponse r = call(route[0], route[1], user);
            assertThat(r.getStatusCode()).as(route[0]).isEqualTo(403);
            assertThat(body(r).path("error").asText()).isEqualTo("FORBIDDEN");
        }
        assertThat(sessions.list("victim", 10, null).items()).hasSize(2);
        assertThat(gateway.closed).isEmpty();
    }

    @Test
    void unknownRoutesAre404AndWrongMethods405() throws Exception {
        // API Gateway never invokes the function for these: only a direct invocation carries such route keys
        assertThat(call("GET /nope", operator).getStatusCode()).isEqualTo(404);
        assertThat(call("GET /users/{userId}/other", "u1", operator).getStatusCode()).isEqualTo(404);
        assertThat(call("GET /users/{userId}/sessions/x", "u1", operator).getStatusCode()).isEqualTo(404);
        APIGatewayV2HTTPResponse r = call("POST /stats", operator);
        assertThat(r.getStatusCode()).isEqualTo(405);
        assertThat(r.getHeaders()).containsEntry("Allow", "GET");
        assertThat(call("GET /users/{userId}", "u1", operator).getHeaders()).containsEntry("Allow", "DELETE");
    }

    // ------------------------------------------------------------------ routes

    @Test
    void healthForAnOperatorListsDependenciesAndProcessFigures() throws Exception {
        dependencies.add(DependencyCheck.of("SessionsTable", "table", () -> "ACTIVE"));
        APIGatewayV2HTTPResponse r = call("GET /health", operator);
        assertThat(r.getStatusCode()).isEqualTo(200);
        JsonNode b = body(r);
        assertThat(b.path("status").asText()).isEqualTo("ok");
        assertThat(b.path("dependencies")).hasSize(5);
        assertThat(b.path("dependencies").get(0).path("name").asText()).isEqualTo("SessionsTable");
        assertThat(b.path("dependencies").get(0).path("up").asBoolean()).isTrue();
        JsonNode p = b.path("process");
        assertThat(p.path("start").asText()).isEqualTo("cold");
        assertThat(p.path("heap").path("usedBytes").asLong()).isPositive();
        assertThat(p.path("heap").path("maxBytes").asLong()).isPositive();
        assertThat(p.has("uptimeSeconds")).isTrue();

        assertThat(body(call("GET /health", operator)).path("process").path("start").asText()).isEqualTo("warm");
    }

    @Test
    void aDownDependencyMakesHealth503Degraded() throws Exception {
        dependencies.add(DependencyCheck.of("model:openai", "model", () -> {
            throw new java.net.ConnectException("Connection refused");
        }));
        APIGatewayV2HTTPResponse r = call("GET /health", operator);
        assertThat(r.getStatusCode()).isEqualTo(503);
        JsonNode b = body(r);
        assertThat(b.path("status").asText()).isEqualTo("degraded");
        assertThat(b.path("dependencies").get(0).path("detail").asText()).contains("Connection refused");
    }

    @Test
    void statsFromTheSampleEvent() throws Exception {
        monitoring.openConnections = 4;
        monitoring.sessions = new Census.Sessions(9, 2, NOW - 65_000);
        monitoring.depths.put(QueueMonitor.Queue.TURNS, new QueueMonitor.Depth(3, 1, 0));
        monitoring.depths.put(QueueMonitor.Queue.DEAD_LETTERS, new QueueMonitor.Depth(2, 0, 0));
        monitoring.depths.put(QueueMonitor.Queue.USER_DATA, new QueueMonitor.Depth(6, 2, 1));
        monitoring.depths.put(QueueMonitor.Queue.USER_DATA_DEAD_LETTERS, new QueueMonitor.Depth(1, 0, 0));
        usage.add(NOW, Map.of(UsageCounters.TURNS, 10L, UsageCounters.TOKENS_IN, 300L, UsageCounters.TOKENS_OUT, 200L,
                UsageCounters.CACHE_HITS, 9L, UsageCounters.CACHE_MISSES, 1L, UsageCounters.error("TURN_FAILED"), 2L));
        usage.max(NOW, UsageCounters.CACHE_SIZE, 17);
        APIGatewayV2HTTPEvent e = EventLoader.loadApiGatewayHttpEvent(EventFixtures.prepare("operator-stats.json", tmp,
                Map.of("${TOKEN}", operator)));

        APIGatewayV2HTTPResponse r = handler.handleRequest(e, null);

        assertThat(r.getStatusCode()).isEqualTo(200);
        JsonNode b = body(r);
        assertThat(b.path("connections").path("open").asLong()).isEqualTo(4);
        assertThat(b.path("sessions").path("total").asLong()).isEqualTo(9);
        assertThat(b.path("turnsInFlight").asLong()).isEqualTo(2);
        assertThat(b.path("queue").path("depth").asLong()).isEqualTo(3);
        assertThat(b.path("queue").path("inFlight").asLong()).isEqualTo(1);
        assertThat(b.path("queue").path("oldestTurnAgeSeconds").asLong()).isEqualTo(65);
        assertThat(b.path("deadLetterQueue").path("depth").asLong()).isEqualTo(2);
        assertThat(b.path("userDataQueue").toString()).isEqualTo("{\"depth\":6,\"inFlight\":2,\"delayed\":1}");
        assertThat(b.path("userDataDeadLetterQueue").path("depth").asLong()).isEqualTo(1);
        assertThat(b.path("userCache").path("hitRate").asDouble()).isEqualTo(0.9);
        assertThat(b.path("userCache").path("largestSize").asLong()).isEqualTo(17);
        JsonNode u = b.path("usage");
        assertThat(u.path("windowMinutes").asInt()).isEqualTo(5);
        assertThat(u.path("turnsPerMinute").asDouble()).isEqualTo(2.0);
        assertThat(u.path("tokensPerMinute").asDouble()).isEqualTo(100.0);
        assertThat(u.path("errors").path("TURN_FAILED").asLong()).isEqualTo(2);
        assertThat(u.path("perMinute")).hasSize(1);
        assertThat(u.path("perMinute").get(0).path("turns").asLong()).isEqualTo(10);
        assertThat(b.path("unavailable")).isEmpty();
    }

    /** Each sample of events/ is a request API Gateway sends for one of the routes, and the route answers it. */
    @ParameterizedTest
    @ValueSource(strings = {"operator-health.json", "operator-stats.json", "operator-list-sessions.json",
            "operator-end-connections.json", "operator-delete-user.json"})
    void everySampleEventIsARouteOfTheApi(String sample) throws Exception {
        seed("user-alice");
        APIGatewayV2HTTPEvent e = EventLoader.loadApiGatewayHttpEvent(EventFixtures.prepare(sample, tmp,
                Map.of("${TOKEN}", operator, "${USER_ID}", "user-alice")));

        assertThat(OperatorRoute.of(e.getRouteKey())).as(sample).isPresent();
        assertThat(e.getRequestContext().getRouteKey()).isEqualTo(e.getRouteKey());
        String method = e.getRouteKey().substring(0, e.getRouteKey().indexOf(' '));
        String path = e.getRouteKey().substring(e.getRouteKey().indexOf(' ') + 1);
        if (e.getPathParameters() != null) {
            for (var p : e.getPathParameters().entrySet()) {
                path = path.replace("{" + p.getKey() + "}", p.getValue());
            }
        }
        assertThat(e.getRequestContext().getHttp().getMethod()).isEqualTo(method);
        assertThat(e.getRawPath()).isEqualTo(path).isEqualTo(e.getRequestContext().getHttp().getPath());
        assertThat(handler.handleRequest(e, null).getStatusCode()).as(sample).isEqualTo(200);
    }

    @Test
    void statsRejectsABadWindowWith400() throws Exception {
        for (String minutes : new String[] {"0", "abc", "100000"}) {
            APIGatewayV2HTTPResponse r = handler.handleRequest(request("GET /stats", null, operator,
                    Map.of("minutes", minutes)), null);
            assertThat(r.getStatusCode()).as(minutes).isEqualTo(400);
            assertThat(body(r).path("error").asText()).isEqualTo("INVALID_FIELD");
        }
    }

    @Test
    void listsAUsersSessionsPageByPage() throws Exception {
        seed("alice");
        JsonNode first = body(handler.handleRequest(request("GET /users/{userId}/sessions", "alice", operator,
                Map.of("limit", "1")), null));
        assertThat(first.path("userId").asText()).isEqualTo("alice");
        assertThat(first.path("sessions")).hasSize(1);
        assertThat(first.path("sessions").get(0).path("sessionId").asText()).isEqualTo("s-1");
        assertThat(first.path("sessions").get(0).path("busy").asBoolean()).isFalse();
        String cursor = first.path("nextCursor").asText();
        JsonNode second = body(handler.handleRequest(request("GET /users/{userId}/sessions", "alice", operator,
                Map.of("limit", "1", "cursor", cursor)), null));
        assertThat(second.path("sessions").get(0).path("sessionId").asText()).isEqualTo("s-2");
        assertThat(second.path("nextCursor").isNull()).isTrue();

        assertThat(call("GET /users/{userId}/sessions", "a/b", operator).getStatusCode()).isEqualTo(400);
    }

    @Test
    void endsAUsersConnections() throws Exception {
        seed("alice");
        seed("bob");
        JsonNode b = body(call("DELETE /users/{userId}/connections", "alice", operator));
        assertThat(b.path("userId").asText()).isEqualTo("alice");
        assertThat(b.path("found").asInt()).isEqualTo(1);
        assertThat(b.path("closed").asInt()).isEqualTo(1);
        assertThat(gateway.closed).containsExactly("alice-c1");
        assertThat(connections.listByUser("bob")).hasSize(1);
    }

    @Test
    void deletesAUsersDataFromTheSampleEvent() throws Exception {
        seed("user-alice");
        seed("bob");
        APIGatewayV2HTTPEvent e = EventLoader.loadApiGatewayHttpEvent(EventFixtures.prepare(
                "operator-delete-user.json", tmp, Map.of("${TOKEN}", operator, "${USER_ID}", "user-alice")));

        APIGatewayV2HTTPResponse r = handler.handleRequest(e, null);

        assertThat(r.getStatusCode()).isEqualTo(200);
        JsonNode b = body(r);
        assertThat(b.path("userId").asText()).isEqualTo("user-alice");
        assertThat(b.path("deleted").path("sessions").asInt()).isEqualTo(2);
        assertThat(b.path("deleted").path("messages").asInt()).isEqualTo(2);
        assertThat(b.path("deleted").path("memories").asInt()).isEqualTo(1);
        assertThat(b.path("deleted").path("documents").asInt()).isZero();
        assertThat(b.path("deleted").path("notes").asInt()).isZero();
        assertThat(b.path("connections").path("closed").asInt()).isEqualTo(1);
        assertThat(sessions.list("user-alice", 10, null).items()).isEmpty();
        assertThat(sessions.list("bob", 10, null).items()).hasSize(2);
        assertThat(memories.list("bob")).hasSize(1);
    }

    @Test
    void aStoreFailureIs500WithoutDetails() throws Exception {
        OperatorHandler broken = new OperatorHandler(
                new OperatorApi(new OperatorApi.UserStores(connections, new InMemorySessionStore() {
                    @Override
                    public dev.switchboard.domain.Page<Session> list(String userId, int limit, String cursor) {
                        throw new IllegalStateException("table gone: arn:aws:dynamodb:secret");
                    }
                }, messages, memories, new InMemoryDocumentStore(), notes, new InMemoryKnowledgeVersions(), userId -> 0), gateway,
                        new OperatorApi.Monitoring(monitoring, monitoring, usage, dependencies), () -> NOW),
                new OperatorAccess(TokenVerifier.hs256(SECRET, "iss", "switchboard"), OperatorPolicy.defaults()));
        APIGatewayV2HTTPResponse r = broken.handleRequest(request("GET /users/{userId}/sessions", "x", operator, null), null);
        assertThat(r.getStatusCode()).isEqualTo(500);
        assertThat(r.getBody()).doesNotContain("arn:");
        assertThat(body(r).path("error").asText()).isEqualTo("INTERNAL");
    }

    // ------------------------------------------------------------------ composition

    @Test
    void requiredEnvironmentIsDeclared() {
        EventFixtures.assertRequiredEnv(OperatorHandler.class, Setting.CONNECTIONS_TABLE.name(), Setting.SESSIONS_TABLE.name(),
                Setting.MESSAGES_TABLE.name(), Setting.USER_DATA_TABLE.name(), Setting.TURNS_QUEUE_URL.name(), Setting.DEAD_LETTER_QUEUE_URL.name(),
                Setting.USER_DATA_QUEUE_URL.name(), Setting.USER_DATA_DEAD_LETTER_QUEUE_URL.name(), Setting.CALLBACK_URL.name(), Setting.JWT_ISSUER.name());
    }

    @Test
    void modelChecksFollowTheProvidersOfModels() {
        List<DependencyCheck> checks = OperatorHandler.modelChecks(new Env(Map.of(Setting.MODELS.name(),
                "offline:switchboard-offline-echo,openai:gpt-4o-mini,openai:other,ollama:llama3.2,"
                        + "bedrock:amazon.nova-lite-v1:0",
                Setting.OPENAI_BASE_URL.name(), "http://127.0.0.1:9/v1/")));
        assertThat(checks).extracting(DependencyCheck::name)
                .containsExactly("model:offline", "model:openai", "model:ollama", "model:bedrock");
        assertThat(checks).allMatch(c -> c.kind().equals("model"));
    }

    @Test
    void theLambdaEntryPointRegistersTheHandlerWithTheGlobalCracContext() {
        OperatorHandler built = new OperatorHandler(CracFixtures.offlineEnv());

        CracFixtures.assertRegisteredWithTheGlobalContext(built);
    }

    @Test
    void theHs256SecretComesFromSecretsManagerAtInitAndAgainAfterARestore() {
        String arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:switchboard/jwt-Op1";
        try (var secretsManager = new LocalSecretsManager(); var logs = LogLines.capture()) {
            String value = "operator-hs256-secret-" + java.util.UUID.randomUUID();
            secretsManager.put(arn, value);
            OperatorHandler built = new OperatorHandler(secretsManager.envReading(CracFixtures.offlineEnv(),
                    Setting.JWT_SECRET, Setting.JWT_SECRET_ARN, arn));
            assertThat(secretsManager.reads(arn)).as("read at init").isEqualTo(1);
            built.afterRestore(null);
            assertThat(secretsManager.reads(arn)).as("read again after a restore").isEqualTo(2);
            assertThat(logs.lines()).noneMatch(l -> l.contains(value));
        }
    }

    @Test
    void snapStartHooksWriteNothingAndTheFirstRequestAfterARestoreIsCold() throws Exception {
        seed("alice");
        int sessionWrites = sessions.writes.get();
        int messageWrites = messages.writes.get();
        int connectionWrites = connections.writes.get();

        CracFixtures.assertHooksRepeatable(handler);

        assertThat(sessions.writes.get()).isEqualTo(sessionWrites);
        assertThat(messages.writes.get()).isEqualTo(messageWrites);
        assertThat(connections.writes.get()).isEqualTo(connectionWrites);
        assertThat(memories.list("alice")).hasSize(1);
        assertThat(gateway.closed).isEmpty();
        // priming's requests are not counted: the first request after the restore is the environment's cold one
        JsonNode process = body(call("GET /health", operator)).path("process");
        assertThat(process.path("start").asText()).isEqualTo("cold");
        assertThat(process.path("restored").asBoolean()).isTrue();
        assertThat(process.path("invocations").asInt()).isEqualTo(1);
        assertThat(body(call("GET /health", operator)).path("process").path("start").asText()).isEqualTo("warm");
    }

    /** Priming that throws at publish time (here: nothing answers, or a step has nothing to work on) is logged; the hook goes on. */
    @Test
    void aPrimingStepThatThrowsDoesNotFailTheCheckpointHook() {
        OperatorHandler primed = new OperatorHandler(CracFixtures.offlineEnv());
        org.assertj.core.api.Assertions.assertThat(primed.prime()).as("priming steps that failed").isPositive();
        org.assertj.core.api.Assertions.assertThatCode(() -> primed.beforeCheckpoint(null)).doesNotThrowAnyException();
    }
}
