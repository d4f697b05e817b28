package dev.switchboard.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * template.yaml, read as data: the one place where tables, queues, functions, routes and their environment are
 * declared. The local stack builds everything from here, so nothing is declared twice. YAML short-form intrinsic
 * tags ({@code !Ref X}, {@code !GetAtt X.Arn}, {@code !Sub ...}) read as their plain argument.
 */
public final class TemplateModel {
    public static final String TABLE = "AWS::DynamoDB::Table";
    public static final String QUEUE = "AWS::SQS::Queue";
    public static final String FUNCTION = "AWS::Serverless::Function";
    public static final String ROUTE = "AWS::ApiGatewayV2::Route";
    public static final String INTEGRATION = "AWS::ApiGatewayV2::Integration";
    public static final String AUTHORIZER = "AWS::ApiGatewayV2::Authorizer";
    public static final String ROUTE_RESPONSE = "AWS::ApiGatewayV2::RouteResponse";

    private static final Pattern ALIAS_REF = Pattern.compile("\\$\\{(\\w+)\\.Alias}");

    /**
     * The parameter values an environment variable's {@code Fn::If} is taken for: the local stack's, which brings its
     * own sign-in and serves its own page (no user pool, no page on S3).
     */
    public static final Map<String, String> LOCAL_PARAMETERS = Map.of("CreateUserPool", "false", "ChatPage", "false");

    private final JsonNode root;
    private final Optional<TemplateConditions> conditions;
    /** Parameter values given instead of the template's defaults (the local stack's test overrides). */
    private final Map<String, String> parameters;

    public TemplateModel(JsonNode root) {
        this(root, Optional.empty(), Map.of());
    }

    private TemplateModel(JsonNode root, Optional<TemplateConditions> conditions, Map<String, String> parameters) {
        this.root = root;
        this.conditions = conditions;
        this.parameters = Map.copyOf(parameters);
    }

    /**
     * This template with {@code values} as the named parameters' values instead of their defaults (a stack deployed
     * with those parameters); every other parameter keeps its default.
     */
    public TemplateModel withParameters(Map<String, String> values) {
        values.keySet().forEach(name -> {
            if (!isParameter(name)) {
                throw new IllegalArgumentException("template.yaml has no parameter " + name);
            }
        });
        Map<String, String> merged = new LinkedHashMap<>(parameters);
        merged.putAll(values);
        return new TemplateModel(root, conditions, merged);
    }

    public static TemplateModel load(Path path) {
        try {
            return new TemplateModel(new ObjectMapper(new YAMLFactory()).readTree(Files.readString(path)),
                    Optional.of(TemplateConditions.load(path)), Map.of());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /** template.yaml from -Dswitchboard.template, else the working directory or its parent. */
    public static Path locate() {
        String configured = System.getProperty("switchboard.template");
        if (configured != null) {
            return Path.of(configured);
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("template.yaml"))) {
                return p.resolve("template.yaml");
            }
        }
        throw new IllegalStateException("template.yaml not found; run from the project folder or set -Dswitchboard.template");
    }

    public JsonNode root() {
        return root;
    }

    /** Logical id → properties, in template order, of every resource of one type. */
    public Map<String, JsonNode> resources(String type) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        JsonNode resources = root.path("Resources");
        for (Iterator<Map.Entry<String, JsonNode>> it = resources.fields(); it.hasNext(); ) {
            var e = it.next();
            if (type.equals(e.getValue().path("Type").asText())) {
                out.put(e.getKey(), e.getValue().path("Properties"));
            }
        }
        return out;
    }

    public Optional<String> typeOf(String logicalId) {
        JsonNode r = root.path("Resources").path(logicalId);
        return r.isMissingNode() ? Optional.empty() : Optional.of(r.path("Type").asText());
    }

    public Optional<String> parameterDefault(String name) {
        JsonNode p = root.path("Parameters").path(name);
        if (p.isMissingNode()) {
            return Optional.empty();
        }
        return Optional.of(p.path("Default").asText(""));
    }

    /** A parameter's value in this model: the one given by {@link #withParameters}, else its default. */
    public Optional<String> parameterValue(String name) {
        return parameters.containsKey(name) ? Optional.of(parameters.get(name)) : parameterDefault(name);
    }

    /**
     * A numeric property as a stack of this model's parameters has it: a number, a parameter ({@code !Ref P}, which
     * reads as {@code P}) or {@code !FindInMap [Map, key, name]} whose key is a literal or a parameter; empty when
     * the property is missing. A reference that does not resolve to a number fails, naming it.
     */
    public java.util.OptionalInt number(JsonNode value) {
        if (value == null || value.isMissingNode() || value.isNull()) {
            return java.util.OptionalInt.empty();
        }
        if (value.isNumber()) {
            return java.util.OptionalInt.of(value.asInt());
        }
        String text;
        if (value.isArray() && value.size() == 3) {
            String key = value.get(1).asText();
            String row = isParameter(key) ? parameterValue(key).orElse("") : key;
            JsonNode found = root.path("Mappings").path(value.get(0).asText()).path(row).path(value.get(2).asText());
            if (found.isMissingNode()) {
                throw new IllegalStateException("mapping " + value.get(0).asText() + " has no " + value.get(2).asText()
                        + " for " + key + " = " + row);
            }
            text = found.asText();
        } else {
            text = value.isTextual() && isParameter(value.asText()) ? parameterValue(value.asText()).orElse("")
                    : value.asText();
        }
        try {
            return java.util.OptionalInt.of(Integer.parseInt(text.trim()));
        } catch (NumberFormatException e) {
            throw new IllegalStateException("not a number: " + value + " (" + text + ")", e);
        }
    }

    /** A function's Timeout in seconds (its own, else the Globals', else Lambda's default of 3). */
    public int timeoutSeconds(String function) {
        return number(resources(FUNCTION).get(function).path("Timeout"))
                .orElseGet(() -> number(root.path("Globals").path("Function").path("Timeout")).orElse(3));
    }

    public boolean isParameter(String name) {
        return !root.path("Parameters").path(name).isMissingNode();
    }

    /** The handler class of a function ({@code Handler: a.b.C::handleRequest}). */
    public String handlerClass(String function) {
        String handler = resources(FUNCTION).get(function).path("Handler").asText();
        int i = handler.indexOf("::");
        return i < 0 ? handler : handler.substring(0, i);
    }

    /**
     * The shaded jar of a function, which the Makefile copies into {@code sam build}'s artifacts folder:
     * {@code functions/<m>/target/<m>-lambda.jar}, {@code m} being the handler's package below dev.switchboard.
     */
    public String jarOf(String function) {
        String cls = handlerClass(function);
        String module = cls.substring("dev.switchboard.".length(), cls.lastIndexOf('.'));
        return "functions/" + module + "/target/" + module + "-lambda.jar";
    }

    /** The functions that serve a CloudFormation custom resource (its ServiceToken names their alias). */
    public java.util.Set<String> customResourceFunctions() {
        java.util.Set<String> out = new java.util.LinkedHashSet<>();
        root.path("Resources").forEach(r -> {
            if (r.path("Type").asText().startsWith("Custom::")) {
                String token = r.path("Properties").path("ServiceToken").asText();
                out.add(token.contains(".") ? token.substring(0, token.indexOf('.')) : token);
            }
        });
        return out;
    }

    /**
     * The raw environment of a function: Globals first, then its own variables (unresolved, but a variable that is an
     * {@code Fn::If} reads as the branch {@link #LOCAL_PARAMETERS} pick).
     */
    public Map<String, String> rawEnvironment(String function) {
        Map<String, String> env = new LinkedHashMap<>();
        copyVariables(root.path("Globals").path("Function").path("Environment").path("Variables"), env);
        copyVariables(resources(FUNCTION).get(function).path("Environment").path("Variables"), env);
        conditions.ifPresent(c -> {
            JsonNode tagged = c.root().path("Resources").path(function).path("Properties").path("Environment")
                    .path("Variables");
            tagged.fields().forEachRemaining(e -> {
                if (e.getValue().has("Fn::If")) {
                    env.put(e.getKey(), plain(c.resolve(e.getValue(), LOCAL_PARAMETERS)));
                }
            });
        });
        return env;
    }

    /** A resolved intrinsic as the short form reads without its tag: {@code !Ref X} as X, {@code !Sub s} as s. */
    private static String plain(JsonNode n) {
        if (n.isObject() && n.size() == 1) {
            String name = n.fieldNames().next();
            if (name.equals("Ref") || name.startsWith("Fn::")) {
                return plain(n.get(name));
            }
        }
        return n.isValueNode() ? n.asText() : n.toString();
    }

    private static void copyVariables(JsonNode vars, Map<String, String> into) {
        for (Iterator<Map.Entry<String, JsonNode>> it = vars.fields(); it.hasNext(); ) {
            var e = it.next();
            into.put(e.getKey(), e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString());
        }
    }

    /** The function an integration or authorizer URI names ({@code ...functions/${XFunction.Alias}/invocations}). */
    public static Optional<String> functionOfUri(String uri) {
        Matcher m = ALIAS_REF.matcher(uri == null ? "" : uri);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** A WebSocket route as API Gateway holds it. */
    public record Route(String routeKey, String function, boolean twoWay, boolean customAuth) {}

    public List<Route> routes() {
        Map<String, JsonNode> integrations = resources(INTEGRATION);
        List<Route> out = new ArrayList<>();
        for (var e : resources(ROUTE).entrySet()) {
            JsonNode r = e.getValue();
            String target = r.path("Target").asText(); // integrations/${XIntegration}
            String integration = target.replaceAll(".*\\$\\{(\\w+)}.*", "$1");
            JsonNode integ = integrations.get(integration);
            if (integ == null) {
                throw new IllegalStateException("route " + e.getKey() + " targets unknown integration " + target);
            }
            String function = functionOfUri(integ.path("IntegrationUri").asText())
                    .orElseThrow(() -> new IllegalStateException("integration " + integration + " names no function"));
            out.add(new Route(r.path("RouteKey").asText(), function,
                    "$default".equals(r.path("RouteResponseSelectionExpression").asText()),
                    "CUSTOM".equals(r.path("AuthorizationType").asText())));
        }
        return out;
    }

    /** The function of the REQUEST authorizer. */
    public String authorizerFunction() {
        var authorizers = resources(AUTHORIZER);
        if (authorizers.size() != 1) {
            throw new IllegalStateException("expected one AWS::ApiGatewayV2::Authorizer, found " + authorizers.size());
        }
        JsonNode a = authorizers.values().iterator().next();
        return functionOfUri(a.path("AuthorizerUri").asText())
                .orElseThrow(() -> new IllegalStateException("the authorizer names no function"));
    }

    /** A route of an HTTP API, declared as a function's {@code Events: Type: HttpApi} (SAM). */
    public record HttpRoute(String api, String method, String path, String function) {
        /** API Gateway's route key, e.g. {@code GET /users/{userId}/sessions}. */
        public String routeKey() {
            return method + " " + path;
        }
    }

    /** Every HttpApi event of every function, in template order. */
    public List<HttpRoute> httpRoutes() {
        List<HttpRoute> out = new ArrayList<>();
        for (var fn : resources(FUNCTION).entrySet()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = fn.getValue().path("Events").fields(); it.hasNext(); ) {
                JsonNode event = it.next().getValue();
                if ("HttpApi".equals(event.path("Type").asText())) {
                    JsonNode p = event.path("Properties");
                    out.add(new HttpRoute(p.path("ApiId").asText(""),
                            p.path("Method").asText("ANY").toUpperCase(java.util.Locale.ROOT),
                            p.path("Path").asText("/"), fn.getKey()));
                }
            }
        }
        return out;
    }

    /** An SQS event source mapping: which function it invokes, from which queue, with what batch size. */
    public record QueueTrigger(String function, String queue, int batchSize) {}

    /** The logical id of the queue of turns (the other mappings read the user-data queue). */
    public static final String TURNS_QUEUE = "TurnsQueue";

    /** The mapping that reads the turns queue. */
    public QueueTrigger queueTrigger() {
        return queueTriggers().stream().filter(t -> t.queue().equals(TURNS_QUEUE)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no AWS::Lambda::EventSourceMapping reads " + TURNS_QUEUE));
    }

    /** Every SQS event source mapping of the template, in declaration order. */
    public List<QueueTrigger> queueTriggers() {
        List<QueueTrigger> out = new ArrayList<>();
        for (JsonNode m : resources("AWS::Lambda::EventSourceMapping").values()) {
            String fn = m.path("FunctionName").asText();
            out.add(new QueueTrigger(fn.contains(".") ? fn.substring(0, fn.indexOf('.')) : fn,
                    m.path("EventSourceArn").asText().replace(".Arn", ""), m.path("BatchSize").asInt(10)));
        }
        return out;
    }
}
