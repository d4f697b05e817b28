package dev.switchboard.infra;

import dev.switchboard.config.Setting;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.config.Env;
import dev.switchboard.operator.OperatorRoute;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** template.yaml, checked as data against the code and AWS's rules. No emulators. */
class TemplateTest {
    private static final Pattern SERVICE_WILDCARD = Pattern.compile("^[A-Za-z0-9-]+:\\*$");
    private static final Set<String> CLIENT_ACTIONS =
            Set.of("sendMessage", "listSessions", "getHistory", "deleteSession", "ping", "createSession",
                    "updateSession", "listModels", "cancel", "approveTool", "denyTool", "listMemories", "deleteMemory",
                    "addDocument", "listDocuments", "deleteDocument");

    private static TemplateModel model;

    @BeforeAll
    static void load() {
        model = TemplateModel.load(TemplateModel.locate());
    }

    // ------------------------------------------------------------------ helpers

    private static Map<String, JsonNode> functions() {
        Map<String, JsonNode> f = model.resources(TemplateModel.FUNCTION);
        assertThat(f).as("AWS::Serverless::Function resources").isNotEmpty();
        return f;
    }

    /** A scalar or a list, as strings (short-form intrinsics read as their argument). */
    private static List<String> strings(JsonNode n) {
        List<String> out = new ArrayList<>();
        if (n == null || n.isMissingNode() || n.isNull()) {
            return out;
        }
        if (n.isArray()) {
            n.forEach(e -> out.add(e.isValueNode() ? e.asText() : e.toString()));
        } else {
            out.add(n.isValueNode() ? n.asText() : n.toString());
        }
        return out;
    }

    /** Logical id named by {@code X}, {@code X.Arn} or {@code X.Alias}. */
    private static String logicalId(String ref) {
        int dot = ref.indexOf('.');
        return dot < 0 ? ref : ref.substring(0, dot);
    }

    private static Class<?> handlerClass(String function) {
        String name = model.handlerClass(function);
        try {
            return Class.forName(name);
        } catch (ClassNotFoundException e) {
            return fail("handler class " + name + " of " + function + " is not on the classpath");
        }
    }

    @SuppressWarnings("unchecked")
    private static List<String> requiredEnv(Class<?> handler) throws ReflectiveOperationException {
        Field f = handler.getField("REQUIRED_ENV");
        assertThat(Modifier.isStatic(f.getModifiers())).as(handler + ".REQUIRED_ENV is static").isTrue();
        assertThat(List.class).isAssignableFrom(f.getType());
        return (List<String>) f.get(null);
    }

    /** Every IAM statement of every function's inline policies, keyed "Function#n". */
    private static Map<String, JsonNode> statements() {
        Map<String, JsonNode> out = new java.util.LinkedHashMap<>();
        for (var fn : functions().entrySet()) {
            JsonNode policies = fn.getValue().path("Policies");
            int i = 0;
            for (JsonNode p : policies.isArray() ? policies : List.of(policies)) {
                if (p.isMissingNode()) {
                    continue;
                }
                JsonNode st = p.path("Statement");
                for (JsonNode s : st.isArray() ? st : List.of(st)) {
                    JsonNode granted = conditionalStatement(s).map(c -> c.get(1)).orElse(s);
                    if (!granted.isMissingNode()) {
                        out.put(fn.getKey() + "#" + i++, granted);
                    }
                }
            }
        }
        return out;
    }

    /** A statement given as {@code !If [Condition, statement, !Ref AWS::NoValue]} (read as that list), else empty. */
    private static java.util.Optional<JsonNode> conditionalStatement(JsonNode s) {
        return s.isArray() && s.size() == 3 && s.get(0).isTextual() && s.get(1).isObject()
                ? java.util.Optional.of(s) : java.util.Optional.empty();
    }

    private static int timeoutOf(String function) {
        return model.timeoutSeconds(function); // its own, the Globals', else Lambda's default of 3 s
    }

    // ------------------------------------------------------------------ functions

    @Test
    void everyHandlerClassExistsIsARequestHandlerAndHasBothPublicConstructors() throws Exception {
        for (String fn : functions().keySet()) {
            Class<?> c = handlerClass(fn);
            assertThat(RequestHandler.class).as(fn + " handler is a RequestHandler").isAssignableFrom(c);
            Constructor<?> noArg = c.getConstructor();
            Constructor<?> withEnv = c.getConstructor(Env.class);
            assertThat(Modifier.isPublic(noArg.getModifiers())).as(fn + " no-arg constructor").isTrue();
            assertThat(Modifier.isPublic(withEnv.getModifiers())).as(fn + " (Env) constructor").isTrue();
            assertThat(model.resources(TemplateModel.FUNCTION).get(fn).path("Handler").asText())
                    .as(fn + " Handler names the method").endsWith("::handleRequest");
        }
    }

    @Test
    void everyRequiredEnvironmentVariableIsSetForItsFunction() throws Exception {
        for (String fn : functions().keySet()) {
            List<String> required = requiredEnv(handlerClass(fn));
            Map<String, String> env = model.rawEnvironment(fn);
            if (!model.customResourceFunctions().contains(fn)) { // those read the custom resource's properties
                assertThat(required).as(fn + " REQUIRED_ENV").isNotEmpty();
            }
            assertThat(env.keySet()).as("environment of " + fn).containsAll(required);
        }
    }

    @Test
    void tableAndQueueVariablesReferToResourcesOfTheRightType() {
        int tables = 0;
        int queues = 0;
        for (String fn : functions().keySet()) {
            for (var e : model.rawEnvironment(fn).entrySet()) {
                if (e.getKey().endsWith("_TABLE")) {
                    assertThat(model.typeOf(logicalId(e.getValue())))
                            .as(fn + " " + e.getKey() + " -> " + e.getValue()).contains(TemplateModel.TABLE);
                    tables++;
                }
                if (e.getKey().endsWith("_QUEUE_URL")) {
                    assertThat(model.typeOf(logicalId(e.getValue())))
                            .as(fn + " " + e.getKey() + " -> " + e.getValue()).contains(TemplateModel.QUEUE);
                    queues++;
                }
            }
        }
        assertThat(tables).isPositive();
        assertThat(queues).isPositive();
    }

    // ------------------------------------------------------------------ DynamoDB

    @Test
    void tablesHavePkSkStringKeysAndAreOnDemand() {
        Map<String, JsonNode> tables = model.resources(TemplateModel.TABLE);
        assertThat(tables).hasSizeGreaterThanOrEqualTo(3);
        for (var t : tables.entrySet()) {
            JsonNode p = t.getValue();
            Map<String, String> attrTypes = new HashMap<>();
            p.path("AttributeDefinitions").forEach(a ->
                    attrTypes.put(a.path("AttributeName").asText(), a.path("AttributeType").asText()));
            Map<String, String> keys = new HashMap<>();
            p.path("KeySchema").forEach(k -> keys.put(k.path("AttributeName").asText(), k.path("KeyType").asText()));

            assertThat(keys).as(t.getKey() + " KeySchema").isEqualTo(Map.of("pk", "HASH", "sk", "RANGE"));
            assertThat(attrTypes).as(t.getKey() + " key attribute types").containsEntry("pk", "S").containsEntry("sk", "S");
            assertThat(p.has("ProvisionedThroughput")).as(t.getKey() + " has no ProvisionedThroughput").isFalse();
            assertThat(p.path("BillingMode").asText()).as(t.getKey() + " BillingMode").isEqualTo("PAY_PER_REQUEST");
            p.path("GlobalSecondaryIndexes").forEach(g -> assertThat(g.has("ProvisionedThroughput"))
                    .as(t.getKey() + " GSI has no ProvisionedThroughput").isFalse());
        }
    }

    // ------------------------------------------------------------------ SQS

    @Test
    void turnsQueueIsFifoWithFifoDeadLetterQueueAndLongEnoughVisibility() {
        TemplateModel.QueueTrigger trigger = model.queueTrigger();
        String queueId = logicalId(trigger.queue());
        assertThat(model.typeOf(queueId)).contains(TemplateModel.QUEUE);
        // the queue the message function writes to is the one the worker reads
        String producerQueue = model.rawEnvironment("MessageFunction").get(Setting.TURNS_QUEUE_URL.name());
        assertThat(producerQueue).as("MessageFunction " + Setting.TURNS_QUEUE_URL.name()).isNotNull();
        assertThat(logicalId(producerQueue)).isEqualTo(queueId);

        JsonNode queue = model.resources(TemplateModel.QUEUE).get(queueId);
        assertThat(queue.path("FifoQueue").asBoolean()).as(queueId + " is FIFO").isTrue();

        JsonNode redrive = queue.path("RedrivePolicy");
        assertThat(redrive.isMissingNode()).as(queueId + " has a RedrivePolicy").isFalse();
        String dlq = logicalId(redrive.path("deadLetterTargetArn").asText());
        assertThat(dlq).isNotEqualTo(queueId);
        assertThat(model.typeOf(dlq)).as("dead-letter target " + dlq).contains(TemplateModel.QUEUE);
        assertThat(model.resources(TemplateModel.QUEUE).get(dlq).path("FifoQueue").asBoolean())
                .as("DLQ " + dlq + " is FIFO").isTrue();
        assertThat(model.number(redrive.path("maxReceiveCount")).orElse(0)).isPositive();

        int visibility = model.number(queue.path("VisibilityTimeout")).orElse(30);
        assertThat(visibility).as("VisibilityTimeout >= 6 x worker Timeout")
                .isGreaterThanOrEqualTo(6 * timeoutOf(trigger.function()));
    }

    @Test
    void theWorkerTimeoutIsAParameterAndEveryAllowedValueGivesBothQueuesSixTimesItsVisibility() {
        JsonNode parameter = model.root().path("Parameters").path("WorkerTimeoutSeconds");
        assertThat(parameter.path("Default").asInt()).as("the default worker timeout").isEqualTo(90);
        assertThat(timeoutOf("WorkerFunction")).isEqualTo(90);
        List<Integer> allowed = new java.util.ArrayList<>();
        parameter.path("AllowedValues").forEach(v -> allowed.add(v.asInt()));
        assertThat(allowed).as("allowed worker timeouts").contains(90, 900).allMatch(t -> t >= 1 && t <= 900);
        assertThat(model.root().path("Mappings").path("WorkerTimeouts").size()).as("one mapping row per allowed value")
                .isEqualTo(allowed.size());
        for (int timeout : allowed) {
            TemplateModel deployed = model.withParameters(Map.of("WorkerTimeoutSeconds", Integer.toString(timeout)));
            assertThat(deployed.timeoutSeconds("WorkerFunction")).as("worker Timeout").isEqualTo(timeout);
            for (String queue : List.of(TemplateModel.TURNS_QUEUE, USER_DATA_QUEUE)) {
                assertThat(deployed.number(deployed.resources(TemplateModel.QUEUE).get(queue).path("VisibilityTimeout")))
                        .as(queue + " VisibilityTimeout with WorkerTimeoutSeconds=" + timeout)
                        .hasValue(6 * timeout);
            }
        }
    }

    @Test
    void theTurnsQueueAllowsTheFailedDeliveriesPlusOneReceivePerHandOffForEveryAllowedHandOffLimit() {
        JsonNode parameter = model.root().path("Parameters").path("RunMaxHandoffs");
        assertThat(parameter.path("Default").asInt()).isEqualTo(20);
        assertThat(workerEnv("RUN_MAX_HANDOFFS")).isEqualTo("RunMaxHandoffs");
        assertThat(workerEnv("RUN_MAX_SECONDS")).isEqualTo("RunMaxSeconds");
        int failures = Integer.parseInt(workerEnv("MAX_RECEIVE_COUNT"));
        List<Integer> allowed = new java.util.ArrayList<>();
        parameter.path("AllowedValues").forEach(v -> allowed.add(v.asInt()));
        assertThat(allowed).contains(0, 20).allMatch(h -> failures + h <= 1000);
        assertThat(model.root().path("Mappings").path("RunHandoffs").size()).isEqualTo(allowed.size());
        for (int handoffs : allowed) {
            TemplateModel deployed = model.withParameters(Map.of("RunMaxHandoffs", Integer.toString(handoffs)));
            assertThat(deployed.number(deployed.resources(TemplateModel.QUEUE).get(TemplateModel.TURNS_QUEUE)
                    .path("RedrivePolicy").path("maxReceiveCount"))).as("with RunMaxHandoffs=" + handoffs)
                    .hasValue(failures + handoffs);
        }
    }

    /** A worker environment variable as the template writes it (a parameter reference reads as its name). */
    private String workerEnv(String name) {
        return model.rawEnvironment("WorkerFunction").get(name);
    }

    @Test
    void aWorkerTimeoutTheMappingLacksOrAnUnknownParameterFailsNamingIt() {
        TemplateModel odd = model.withParameters(Map.of("WorkerTimeoutSeconds", "7"));
        assertThat(odd.timeoutSeconds("WorkerFunction")).isEqualTo(7);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> odd.number(
                        odd.resources(TemplateModel.QUEUE).get(TemplateModel.TURNS_QUEUE).path("VisibilityTimeout")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("WorkerTimeouts")
                .hasMessageContaining("7");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> model.withParameters(Map.of("NoSuchParameter", "1")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NoSuchParameter");
    }

    @Test
    void everyFifoQueueHasHighThroughputOn() {
        Map<String, JsonNode> fifo = model.resources(TemplateModel.QUEUE).entrySet().stream()
                .filter(q -> q.getValue().path("FifoQueue").asBoolean())
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        assertThat(fifo).as("FIFO queues").isNotEmpty();
        fifo.forEach((id, q) -> {
            assertThat(q.path("DeduplicationScope").asText()).as(id + " DeduplicationScope").isEqualTo("messageGroup");
            assertThat(q.path("FifoThroughputLimit").asText()).as(id + " FifoThroughputLimit")
                    .isEqualTo("perMessageGroupId");
        });
    }

    @Test
    void eventSourceMappingsReportBatchItemFailuresWithAFifoBatchSize() {
        Map<String, JsonNode> mappings = model.resources("AWS::Lambda::EventSourceMapping");
        assertThat(mappings).hasSize(2);
        for (JsonNode m : mappings.values()) {
            assertThat(strings(m.path("FunctionResponseTypes"))).contains("ReportBatchItemFailures");
            assertThat(m.path("BatchSize").isMissingNode() || m.path("BatchSize").asInt() <= 10).isTrue();
        }
        assertThat(model.queueTriggers()).extracting(TemplateModel.QueueTrigger::queue)
                .containsExactlyInAnyOrder(TemplateModel.TURNS_QUEUE, USER_DATA_QUEUE);
        for (TemplateModel.QueueTrigger t : model.queueTriggers()) {
            assertThat(t.batchSize()).as(t.queue() + " BatchSize").isBetween(1, 10);
            assertThat(model.typeOf(t.function())).contains(TemplateModel.FUNCTION);
            assertThat(model.handlerClass(t.function())).as(t.queue() + " consumer")
                    .isEqualTo("dev.switchboard.worker.WorkerHandler");
        }
    }

    private static final String USER_DATA_QUEUE = "UserDataQueue";

    @Test
    void userDataJobsHaveAFifoQueueOfTheirOwnWithADeadLetterQueueThatTheWorkerReadsAndBothProducersWrite() {
        JsonNode queue = model.resources(TemplateModel.QUEUE).get(USER_DATA_QUEUE);
        assertThat(queue).as(USER_DATA_QUEUE).isNotNull();
        assertThat(queue.path("FifoQueue").asBoolean()).as("FIFO by user: a user's memory jobs never race").isTrue();
        assertThat(model.number(queue.path("VisibilityTimeout")).orElse(30)).as("VisibilityTimeout >= 6 x worker Timeout")
                .isGreaterThanOrEqualTo(6 * timeoutOf("WorkerFunction"));
        JsonNode redrive = queue.path("RedrivePolicy");
        assertThat(logicalId(redrive.path("deadLetterTargetArn").asText())).isEqualTo("UserDataDeadLetterQueue");
        assertThat(model.number(redrive.path("maxReceiveCount"))).as("the worker's MAX_RECEIVE_COUNT: a job is given up on"
                + " the queue's last receive").hasValue(Integer.parseInt(workerEnv("MAX_RECEIVE_COUNT")));
        assertThat(model.resources(TemplateModel.QUEUE).get("UserDataDeadLetterQueue").path("FifoQueue").asBoolean())
                .isTrue();
        for (String producer : List.of("MessageFunction", "WorkerFunction")) {
            assertThat(logicalId(model.rawEnvironment(producer).get(Setting.USER_DATA_QUEUE_URL.name())))
                    .as(producer + " " + Setting.USER_DATA_QUEUE_URL.name()).isEqualTo(USER_DATA_QUEUE);
            assertThat(sqsActionsOn(producer, USER_DATA_QUEUE)).as(producer + " on " + USER_DATA_QUEUE)
                    .contains("sqs:SendMessage");
        }
        assertThat(sqsActionsOn("MessageFunction", USER_DATA_QUEUE)).as("the message function only sends")
                .containsExactly("sqs:SendMessage");
        assertThat(sqsActionsOn("WorkerFunction", USER_DATA_QUEUE)).as("the worker consumes it")
                .contains("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility");
        assertThat(sqsActionsOn("OperatorFunction", USER_DATA_QUEUE)).as("the operator reads its depth only")
                .containsExactly("sqs:GetQueueAttributes");
    }

    /** The sqs: actions {@code function}'s inline policies allow on the queue {@code queueId}. */
    private static List<String> sqsActionsOn(String function, String queueId) {
        List<String> actions = new java.util.ArrayList<>();
        for (JsonNode policy : functions().get(function).path("Policies")) {
            for (JsonNode st : policy.path("Statement")) {
                List<String> stActions = strings(st.path("Action"));
                boolean onQueue = st.path("Resource").toString().contains("\"" + queueId + ".Arn\"")
                        || st.path("Resource").toString().contains("\"" + queueId + "\"");
                if (onQueue) {
                    stActions.stream().filter(a -> a.startsWith("sqs:")).forEach(actions::add);
                }
            }
        }
        return actions;
    }

    // ------------------------------------------------------------------ routes

    @Test
    void everyClientActionHasATwoWayRouteAndConnectIsAuthorised() {
        Map<String, TemplateModel.Route> routes = model.routes().stream()
                .collect(Collectors.toMap(TemplateModel.Route::routeKey, r -> r));

        Set<String> expected = new java.util.HashSet<>(CLIENT_ACTIONS);
        expected.addAll(Set.of("$connect", "$disconnect", "$default"));
        assertThat(routes.keySet()).containsAll(expected);

        assertThat(routes.get("$connect").customAuth()).as("$connect uses the CUSTOM authorizer").isTrue();
        assertThat(model.handlerClass(routes.get("$connect").function())).isEqualTo("dev.switchboard.connect.ConnectHandler");
        assertThat(model.handlerClass(routes.get("$disconnect").function()))
                .isEqualTo("dev.switchboard.disconnect.DisconnectHandler");
        assertThat(model.handlerClass(model.authorizerFunction()))
                .isEqualTo("dev.switchboard.authorizer.AuthorizerHandler");

        // a message route is two-way: a RouteResponseSelectionExpression and a $default RouteResponse for it
        Map<String, String> routeIdsByKey = new HashMap<>();
        model.resources(TemplateModel.ROUTE).forEach((id, r) -> routeIdsByKey.put(r.path("RouteKey").asText(), id));
        Set<String> routesWithResponse = model.resources(TemplateModel.ROUTE_RESPONSE).values().stream()
                .filter(rr -> "$default".equals(rr.path("RouteResponseKey").asText()))
                .map(rr -> logicalId(rr.path("RouteId").asText()))
                .collect(Collectors.toSet());
        for (var r : routes.values()) {
            if (r.routeKey().equals("$connect") || r.routeKey().equals("$disconnect")) {
                continue;
            }
            assertThat(r.twoWay()).as(r.routeKey() + " is two-way").isTrue();
            assertThat(routesWithResponse).as(r.routeKey() + " has a $default RouteResponse")
                    .contains(routeIdsByKey.get(r.routeKey()));
            assertThat(model.handlerClass(r.function())).as(r.routeKey() + " function")
                    .isEqualTo("dev.switchboard.message.MessageHandler");
        }
    }

    @Test
    void theOperatorsDeadLetterQueueIsTheTurnsQueuesDeadLetterQueue() {
        String turns = logicalId(model.queueTrigger().queue());
        String dlq = logicalId(model.resources(TemplateModel.QUEUE).get(turns).path("RedrivePolicy")
                .path("deadLetterTargetArn").asText());
        Map<String, String> env = model.rawEnvironment("OperatorFunction");
        assertThat(logicalId(env.get(Setting.TURNS_QUEUE_URL.name()))).isEqualTo(turns);
        assertThat(logicalId(env.get(Setting.DEAD_LETTER_QUEUE_URL.name()))).isEqualTo(dlq);
    }

    @Test
    void theOperatorReadsTheUserDataQueueAndItsDeadLetterQueueAndMayReadOnlyTheirDepths() {
        JsonNode userData = model.resources(TemplateModel.QUEUE).get("UserDataQueue");
        String dlq = logicalId(userData.path("RedrivePolicy").path("deadLetterTargetArn").asText());
        Map<String, String> env = model.rawEnvironment("OperatorFunction");
        assertThat(logicalId(env.get(Setting.USER_DATA_QUEUE_URL.name()))).isEqualTo("UserDataQueue");
        assertThat(logicalId(env.get(Setting.USER_DATA_DEAD_LETTER_QUEUE_URL.name()))).isEqualTo(dlq)
                .isEqualTo("UserDataDeadLetterQueue");
        for (String queue : List.of("UserDataQueue", "UserDataDeadLetterQueue")) {
            assertThat(sqsActionsOn("OperatorFunction", queue)).as(queue).containsExactly("sqs:GetQueueAttributes");
        }
    }

    // ------------------------------------------------------------------ operator HTTP API

    @Test
    void theOperatorApiRoutesReachTheOperatorFunctionThroughItsOwnHttpApi() {
        Map<String, TemplateModel.HttpRoute> routes = model.httpRoutes().stream()
                .collect(Collectors.toMap(TemplateModel.HttpRoute::routeKey, r -> r));
        assertThat(routes.keySet()).containsExactlyInAnyOrder("GET /health", "GET /stats",
                "GET /users/{userId}/sessions", "DELETE /users/{userId}/connections", "DELETE /users/{userId}");
        for (TemplateModel.HttpRoute r : routes.values()) {
            assertThat(model.typeOf(r.api())).as(r.routeKey() + " ApiId").contains("AWS::Serverless::HttpApi");
            assertThat(model.handlerClass(r.function())).as(r.routeKey() + " function")
                    .isEqualTo("dev.switchboard.operator.OperatorHandler");
        }
        // the function dispatches on the route key: it declares the same routes
        assertThat(Arrays.stream(OperatorRoute.values()).map(OperatorRoute::routeKey))
                .containsExactlyInAnyOrderElementsOf(routes.keySet());
        JsonNode events = functions().get("OperatorFunction").path("Events");
        events.forEach(e -> assertThat(e.path("Properties").path("PayloadFormatVersion").asText()).isEqualTo("2.0"));
        // the function checks the operator's token itself: same verifier settings as the WebSocket authorizer
        Map<String, String> authorizer = model.rawEnvironment(model.authorizerFunction());
        Map<String, String> operator = model.rawEnvironment("OperatorFunction");
        for (String name : List.of(Setting.AUTH_MODE.name(), Setting.JWT_SECRET_ARN.name(), Setting.JWKS_URL.name(), Setting.JWT_ISSUER.name(), Setting.JWT_AUDIENCE.name())) {
            assertThat(operator.get(name)).as(name).isEqualTo(authorizer.get(name));
        }
        assertThat(operator).containsKeys(Setting.OPERATOR_CLAIM.name(), Setting.OPERATOR_CLAIM_VALUE.name());
        JsonNode api = model.resources("AWS::Serverless::HttpApi").get(routes.get("GET /stats").api());
        assertThat(api.path("DefaultRouteSettings").path("ThrottlingRateLimit").asInt()).isPositive();
        assertThat(api.path("AccessLogSettings").path("Format").asText()).doesNotContain("querystring")
                .doesNotContain("authorization");
    }

    @Test
    void everyFunctionLogsToItsOwnLogGroupWithRetention() {
        Map<String, JsonNode> groups = model.resources("AWS::Logs::LogGroup");
        Set<String> used = new java.util.HashSet<>();
        for (var fn : functions().entrySet()) {
            // LoggingConfig makes the function depend on its group: the group exists before the SnapStart version's init logs
            String group = fn.getValue().path("LoggingConfig").path("LogGroup").asText();
            assertThat(groups).as(fn.getKey() + " LoggingConfig.LogGroup").containsKey(group);
            assertThat(groups.get(group).path("RetentionInDays").asInt()).as(group + " retention").isPositive();
            assertThat(used.add(group)).as(group + " is one function's only").isTrue();
        }
    }

    // ------------------------------------------------------------------ SnapStart

    @Test
    void snapStartAndAutoPublishAliasAreSetInGlobals() {
        JsonNode g = model.root().path("Globals").path("Function");
        TemplateConditions conditions = TemplateConditions.load(TemplateModel.locate());
        JsonNode globals = conditions.root().path("Globals").path("Function");
        assertThat(conditions.resolve(globals, Map.of()).path("SnapStart").path("ApplyOn").asText())
                .isEqualTo("PublishedVersions");
        // the regions where Lambda offers no SnapStart: the functions run without it there
        for (String region : List.of("ap-southeast-6", "ap-east-2")) {
            assertThat(conditions.resolve(globals, Map.of("AWS::Region", region)).path("SnapStart").path("ApplyOn")
                    .asText()).as(region).isEqualTo("None");
        }
        assertThat(g.path("AutoPublishAlias").asText()).isNotBlank();
        assertThat(g.path("AutoPublishAliasAllProperties").asBoolean()).as("a Timeout-only change reaches the alias")
                .isTrue();
        for (var fn : functions().entrySet()) {
            assertThat(fn.getValue().path("SnapStart").path("ApplyOn").asText("PublishedVersions"))
                    .as(fn.getKey() + " does not turn SnapStart off").isEqualTo("PublishedVersions");
        }
    }

    // ------------------------------------------------------------------ IAM

    @Test
    void noPolicyStatementUsesWildcardActionsOrResources() {
        Map<String, JsonNode> statements = statements();
        assertThat(statements).isNotEmpty();
        for (var s : statements.entrySet()) {
            for (String action : strings(s.getValue().path("Action"))) {
                assertThat(action).as(s.getKey() + " Action").isNotEqualTo("*");
                assertThat(SERVICE_WILDCARD.matcher(action).matches()).as(s.getKey() + " Action " + action).isFalse();
            }
            List<String> resources = strings(s.getValue().path("Resource"));
            assertThat(resources).as(s.getKey() + " Resource").isNotEmpty().doesNotContain("*");
        }
    }

    // ------------------------------------------------------------------ secrets

    /** The template parameters that name a secret (its Secrets Manager ARN) and the variable each one feeds. */
    private static final Map<String, String> SECRET_PARAMETERS = Map.of(
            "JwtSecretArn", Setting.JWT_SECRET_ARN.name(),
            "OpenAiApiKeySecretArn", Setting.OPENAI_API_KEY_SECRET_ARN.name());

    /** The functions' policies that are {@code !If [condition, policy, !Ref AWS::NoValue]}, keyed "Function#n". */
    private static Map<String, JsonNode> conditionalPolicies() {
        Map<String, JsonNode> out = new java.util.LinkedHashMap<>();
        for (var fn : functions().entrySet()) {
            int i = 0;
            for (JsonNode p : fn.getValue().path("Policies")) {
                if (p.isArray()) {
                    out.put(fn.getKey() + "#" + i++, p);
                }
            }
        }
        return out;
    }

    @Test
    void noFunctionEnvironmentVariableHoldsASecretValue() {
        JsonNode parameters = model.root().path("Parameters");
        parameters.fields().forEachRemaining(p -> assertThat(p.getValue().path("NoEcho").asBoolean(false))
                .as("parameter %s is NoEcho: a secret value would pass through the template", p.getKey()).isFalse());
        assertThat(SECRET_PARAMETERS.keySet()).allSatisfy(name -> assertThat(model.isParameter(name)).isTrue());
        for (String fn : functions().keySet()) {
            Map<String, String> env = model.rawEnvironment(fn);
            assertThat(env).as(fn + ": the plain secret variables are for local development only")
                    .doesNotContainKeys(Setting.JWT_SECRET.name(), Setting.OPENAI_API_KEY.name());
            for (var v : env.entrySet()) {
                for (var secret : SECRET_PARAMETERS.entrySet()) {
                    if (v.getValue().contains(secret.getKey())) {
                        assertThat(v.getKey()).as(fn + ": what %s feeds", secret.getKey()).isEqualTo(secret.getValue());
                        assertThat(v.getValue()).as(fn + " " + v.getKey()).isEqualTo(secret.getKey());
                    }
                }
                assertThat(v.getKey()).as(fn + ": a variable named like a secret is an ARN")
                        .matches(k -> !k.matches(".*(SECRET|API_KEY|PASSWORD|_TOKEN$).*") || k.endsWith("_ARN"));
            }
        }
        assertThat(model.rawEnvironment(model.authorizerFunction())).containsEntry(Setting.JWT_SECRET_ARN.name(), "JwtSecretArn");
        assertThat(model.rawEnvironment("OperatorFunction")).containsEntry(Setting.JWT_SECRET_ARN.name(), "JwtSecretArn");
        assertThat(model.rawEnvironment("WorkerFunction"))
                .containsEntry(Setting.OPENAI_API_KEY_SECRET_ARN.name(), "OpenAiApiKeySecretArn");
        model.root().path("Outputs").fields().forEachRemaining(o -> SECRET_PARAMETERS.keySet().forEach(name ->
                assertThat(o.getValue().toString()).as("output " + o.getKey()).doesNotContain(name)));
    }

    @Test
    void getSecretValueIsAllowedOnlyOnTheSecretParametersAndOnlyWhenTheyAreSet() {
        Map<String, String> readers = new HashMap<>();
        for (var p : conditionalPolicies().entrySet()) {
            JsonNode ifNode = p.getValue();
            assertThat(ifNode).as(p.getKey() + " !If").hasSize(3);
            assertThat(ifNode.get(2).asText()).as(p.getKey() + " else").isEqualTo("AWS::NoValue");
            JsonNode statements = ifNode.get(1).path("Statement");
            assertThat(statements).as(p.getKey()).hasSize(1);
            JsonNode st = statements.get(0);
            assertThat(strings(st.path("Action"))).as(p.getKey()).containsExactly("secretsmanager:GetSecretValue");
            String resource = st.path("Resource").asText();
            assertThat(SECRET_PARAMETERS).as(p.getKey() + " Resource").containsKey(resource);
            // the condition: that very parameter is not empty
            JsonNode condition = model.root().path("Conditions").path(ifNode.get(0).asText());
            assertThat(condition.toString()).as("condition " + ifNode.get(0).asText())
                    .contains(resource).contains("\"\"");
            readers.merge(p.getKey().substring(0, p.getKey().indexOf('#')), resource, (a, b) -> a + "," + b);
        }
        assertThat(readers).containsOnly(Map.entry(model.authorizerFunction(), "JwtSecretArn"),
                Map.entry("OperatorFunction", "JwtSecretArn"), Map.entry("WorkerFunction", "OpenAiApiKeySecretArn"));
        // nowhere else: no unconditional statement names Secrets Manager
        for (var s : statements().entrySet()) {
            assertThat(s.getValue().toString()).as(s.getKey()).doesNotContain("secretsmanager");
        }
    }

    @Test
    void manageConnectionsIsScopedToThisWebSocketApi() {
        assertThat(model.typeOf("WebSocketApi")).contains("AWS::ApiGatewayV2::Api");
        int found = 0;
        for (var s : statements().entrySet()) {
            if (!strings(s.getValue().path("Action")).contains("execute-api:ManageConnections")) {
                continue;
            }
            found++;
            List<String> resources = strings(s.getValue().path("Resource"));
            assertThat(resources).as(s.getKey()).isNotEmpty().allSatisfy(r -> {
                assertThat(r).contains("${WebSocketApi}/");
                assertThat(r).startsWith("arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${WebSocketApi}/");
                // the worker only sends (POST), the operator function only closes (DELETE)
                assertThat(r).endsWith(s.getKey().startsWith("OperatorFunction#") ? "/DELETE/@connections/*"
                        : "/POST/@connections/*");
            });
        }
        assertThat(found).as("statements granting execute-api:ManageConnections").isPositive();
    }

    @Test
    void bedrockMayBeInvokedOnlyOnTheConfiguredModelArnsAndNotAtAllWithoutThem() {
        JsonNode parameter = model.root().path("Parameters").path("BedrockModelArns");
        assertThat(parameter.path("Type").asText()).isEqualTo("CommaDelimitedList");
        assertThat(parameter.path("Default").asText()).isEmpty();
        // HasBedrockModels: !Not [!Equals [!Join ['', !Ref BedrockModelArns], '']]
        assertThat(model.root().path("Conditions").path("HasBedrockModels").toString())
                .isEqualTo("[[[\"\",\"BedrockModelArns\"],\"\"]]");

        List<JsonNode> bedrock = new ArrayList<>();
        for (var fn : functions().entrySet()) {
            for (JsonNode p : fn.getValue().path("Policies")) {
                for (JsonNode s : p.path("Statement")) {
                    JsonNode granted = conditionalStatement(s).map(c -> c.get(1)).orElse(s);
                    if (strings(granted.path("Action")).stream().anyMatch(a -> a.startsWith("bedrock:"))) {
                        assertThat(fn.getKey()).as("the function granted Bedrock").isEqualTo("WorkerFunction");
                        bedrock.add(s);
                    }
                }
            }
        }
        assertThat(bedrock).as("Bedrock statements").hasSize(1);
        JsonNode conditional = conditionalStatement(bedrock.get(0)).orElseThrow(
                () -> new AssertionError("the Bedrock statement is not conditional: " + bedrock.get(0)));
        assertThat(conditional.get(0).asText()).isEqualTo("HasBedrockModels");
        assertThat(conditional.get(2).asText()).as("no statement without ARNs").isEqualTo("AWS::NoValue");
        JsonNode statement = conditional.get(1);
        assertThat(statement.path("Effect").asText()).isEqualTo("Allow");
        assertThat(strings(statement.path("Action"))).containsExactly("bedrock:InvokeModelWithResponseStream");
        // the Resource is the parameter itself (!Ref BedrockModelArns): exactly the configured ARNs, nothing else
        assertThat(statement.path("Resource").isTextual()).as(statement.toString()).isTrue();
        assertThat(statement.path("Resource").asText()).isEqualTo("BedrockModelArns");
    }

    // ------------------------------------------------------------------ outputs

    @Test
    void outputsIncludeTheWssUrlAndTheOperatorApiUrl() {
        String url = model.root().path("Outputs").path("WebSocketUrl").path("Value").asText();
        assertThat(url).startsWith("wss://");
        assertThat(model.root().path("Outputs").path("OperatorApiUrl").path("Value").asText())
                .startsWith("https://${OperatorHttpApi}.");
    }

    // ------------------------------------------------------------------ alarms

    @Test
    void alarmsWatchTheDeadLetterQueueAndTheErrorRates() {
        Map<String, JsonNode> alarms = model.resources("AWS::CloudWatch::Alarm");
        assertThat(alarms.values()).anySatisfy(a -> {
            assertThat(a.path("MetricName").asText()).isEqualTo("ApproximateNumberOfMessagesVisible");
            assertThat(a.path("Dimensions").get(0).path("Value").toString()).contains("TurnsDeadLetterQueue");
        });
        assertThat(alarms.values()).as("an alarm on the user-data dead-letter queue").anySatisfy(a -> {
            assertThat(a.path("MetricName").asText()).isEqualTo("ApproximateNumberOfMessagesVisible");
            assertThat(a.path("Dimensions").get(0).path("Value").toString()).contains("UserDataDeadLetterQueue");
            assertThat(a.path("Threshold").asInt()).isEqualTo(1);
        });
        for (String function : List.of("WorkerFunction", "MessageFunction")) {
            assertThat(alarms.values()).as("error-rate alarm of " + function).anySatisfy(a -> {
                assertThat(a.path("Metrics").toString()).contains("Errors", "Invocations", function);
                assertThat(a.path("Metrics").findValuesAsText("Expression")).isNotEmpty()
                        .allSatisfy(e -> assertThat(e).startsWith("IF(invocations > 0,").doesNotContain("MAX("));
            });
        }
    }
}
