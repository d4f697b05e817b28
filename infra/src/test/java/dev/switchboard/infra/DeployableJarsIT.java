package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The jars that template.yaml deploys (each function's shaded jar, which the Makefile hands to sam build), loaded alone as Lambda loads them: every handler
 * class is there, its composition root builds from the environment, the authorizer answers a real event and the
 * operator function answers liveness.
 */
class DeployableJarsIT {
    private static final String SECRET = "a-development-secret-of-32-bytes-or-more";

    @Test
    void everyFunctionsJarHoldsItsHandlerAndBuildsFromTheEnvironment() throws Exception {
        TemplateModel template = TemplateModel.load(TemplateModel.locate());
        Path root = TemplateModel.locate().getParent();
        Map<String, String> env = Map.ofEntries(
                Map.entry("CONNECTIONS_TABLE", "c"), Map.entry("SESSIONS_TABLE", "s"), Map.entry("MESSAGES_TABLE", "m"), Map.entry("USER_DATA_TABLE", "u"),
                Map.entry("TURNS_QUEUE_URL", "http://127.0.0.1:1/000000000000/q.fifo"),
                Map.entry("USER_DATA_QUEUE_URL", "http://127.0.0.1:1/000000000000/u.fifo"),
                Map.entry("DEAD_LETTER_QUEUE_URL", "http://127.0.0.1:1/000000000000/dlq.fifo"),
                Map.entry("USER_DATA_DEAD_LETTER_QUEUE_URL", "http://127.0.0.1:1/000000000000/udlq.fifo"),
                Map.entry("CALLBACK_URL", "http://127.0.0.1:1/local"),
                Map.entry("DYNAMODB_ENDPOINT", "http://127.0.0.1:1"), Map.entry("SQS_ENDPOINT", "http://127.0.0.1:1"),
                Map.entry("AWS_REGION", "us-east-1"), Map.entry("JWT_ISSUER", "iss"), Map.entry("JWT_SECRET", SECRET));
        for (var f : template.resources(TemplateModel.FUNCTION).entrySet()) {
            Path jar = root.resolve(template.jarOf(f.getKey()));
            assertThat(jar).as("jar of %s (the Makefile copies it for sam build)", f.getKey()).isRegularFile();
            try (JarFile j = new JarFile(jar.toFile())) {
                assertThat(j.getEntry("META-INF/org/apache/logging/log4j/core/config/plugins/Log4j2Plugins.dat"))
                        .as("merged log4j plugin cache in %s", jar).isNotNull();
            }
            if (f.getKey().equals("WorkerFunction")) {
                // the worker loads native libraries (ONNX runtime, tokenizer) that a JVM loads once: its own JVM;
                // with a Bedrock model, so that its jar alone builds the Bedrock runtime client (Netty) at init
                Map<String, String> worker = new java.util.HashMap<>(env);
                worker.put("MODELS", "bedrock:amazon.nova-lite-v1:0," + dev.switchboard.config.ModelIds.OFFLINE_ID);
                worker.put("BEDROCK_ENDPOINT", "http://127.0.0.1:1");
                assertThat(probeInOwnJvm(jar, template.handlerClass(f.getKey()), worker))
                        .contains("PROBE-OK " + template.handlerClass(f.getKey()));
                continue;
            }
            try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()},
                    ClassLoader.getPlatformClassLoader())) {
                Class<?> handler = loader.loadClass(template.handlerClass(f.getKey()));
                Class<?> envClass = loader.loadClass("dev.switchboard.config.Env");
                Object instance = handler.getConstructor(envClass)
                        .newInstance(envClass.getConstructor(Map.class).newInstance(env));
                assertThat(loader.loadClass("com.amazonaws.services.lambda.runtime.RequestHandler")
                        .isInstance(instance)).isTrue();
                if (handler.getSimpleName().equals("AuthorizerHandler")) {
                    assertThat(authorize(loader, instance)).isEqualTo("user-in-jar");
                }
                if (handler.getSimpleName().equals("ConnectHandler")) {
                    connectAndDisconnectThroughTheirJars(root, template);
                }
                if (handler.getSimpleName().equals("OperatorHandler")) {
                    assertThat(liveness(root, loader, instance)).isEqualTo("200 {\"status\":\"ok\"}");
                }
            }
        }
    }

    /**
     * The authorizer's jar alone reads its HS256 secret from Secrets Manager (JWT_SECRET_ARN) through the SDK client
     * it carries, here against the local double of the Secrets Manager API, and verifies a token with it.
     */
    @Test
    void theAuthorizersJarReadsItsSecretFromSecretsManager() throws Exception {
        TemplateModel template = TemplateModel.load(TemplateModel.locate());
        Path jar = TemplateModel.locate().getParent().resolve(template.jarOf("AuthorizerFunction"));
        String arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:switchboard/jwt-InJar";
        try (var secretsManager = new dev.switchboard.testing.LocalSecretsManager();
             URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()},
                     ClassLoader.getPlatformClassLoader())) {
            secretsManager.put(arn, SECRET);
            Map<String, String> env = Map.of("AWS_REGION", "us-east-1", "JWT_ISSUER", "iss", "AUTH_MODE", "hs256",
                    "JWT_SECRET_ARN", arn, "SECRETS_MANAGER_ENDPOINT", secretsManager.endpoint());
            Class<?> handler = loader.loadClass(template.handlerClass("AuthorizerFunction"));
            Class<?> envClass = loader.loadClass("dev.switchboard.config.Env");
            Object instance = handler.getConstructor(envClass)
                    .newInstance(envClass.getConstructor(Map.class).newInstance(env));
            assertThat(secretsManager.reads(arn)).isEqualTo(1);
            assertThat(authorize(loader, instance)).isEqualTo("user-in-jar");
        }
    }

    /** Builds the handler in a child JVM whose class path is the jar alone and whose environment is {@code env}. */
    private static String probeInOwnJvm(Path jar, String handlerClass, Map<String, String> env) throws Exception {
        Path probe = Path.of(DeployableJarsIT.class.getResource("/probe/HandlerProbe.java").toURI());
        ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(),
                "-cp", jar.toString(), probe.toString(), handlerClass).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    /** Invokes the operator function inside its own jar with events/operator-health.json (no token); "status body". */
    private static String liveness(Path root, ClassLoader loader, Object handler) throws Exception {
        Class<?> eventClass = loader.loadClass("com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent");
        Object event = new com.fasterxml.jackson.databind.ObjectMapper()
                .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                .readValue(root.resolve("events").resolve("operator-health.json").toFile(), eventClass);
        Method handle = handler.getClass().getMethod("handleRequest", eventClass,
                loader.loadClass("com.amazonaws.services.lambda.runtime.Context"));
        Object response = handle.invoke(handler, event, null);
        return response.getClass().getMethod("getStatusCode").invoke(response) + " "
                + response.getClass().getMethod("getBody").invoke(response);
    }

    /**
     * The connect and disconnect jars keep only what their handlers reach (shade's minimizeJar): each handler, loaded
     * from its jar alone, runs the sample event of events/ against the local stack's DynamoDB Local, and the
     * connection item is written, then deleted.
     */
    private static void connectAndDisconnectThroughTheirJars(Path root, TemplateModel template) throws Exception {
        LocalStack stack = StackFixture.stack();
        Map<String, String> env = stack.environment("ConnectFunction");
        String table = env.get("CONNECTIONS_TABLE");
        var key = Map.of("pk", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("user-alice"),
                "sk", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("conn-A1"));
        for (String function : new String[] {"ConnectFunction", "DisconnectFunction"}) {
            Path jar = root.resolve(template.jarOf(function));
            String sample = function.equals("ConnectFunction") ? "connect.json" : "disconnect.json";
            try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()},
                    ClassLoader.getPlatformClassLoader())) {
                Class<?> envClass = loader.loadClass("dev.switchboard.config.Env");
                Object handler = loader.loadClass(template.handlerClass(function)).getConstructor(envClass)
                        .newInstance(envClass.getConstructor(Map.class).newInstance(stack.environment(function)));
                Class<?> eventClass = loader.loadClass(
                        "com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketEvent");
                Object event = new com.fasterxml.jackson.databind.ObjectMapper()
                        .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                        .readValue(root.resolve("events").resolve(sample).toFile(), eventClass);
                Object response = handler.getClass().getMethod("handleRequest", eventClass,
                        loader.loadClass("com.amazonaws.services.lambda.runtime.Context")).invoke(handler, event, null);
                assertThat(response.getClass().getMethod("getStatusCode").invoke(response)).as(function).isEqualTo(200);
            }
            boolean stored = stack.dynamo().getItem(b -> b.tableName(table).key(key).consistentRead(true)).hasItem();
            assertThat(stored).as("connection item after %s", function).isEqualTo(function.equals("ConnectFunction"));
        }
    }

    /** Invokes the authorizer inside its own jar with a valid token; returns the principal. */
    private static String authorize(ClassLoader loader, Object handler) throws Exception {
        // the token is minted here: the authorizer's jar holds only what verifying one needs
        String token = new dev.switchboard.auth.DevTokens(SECRET, "iss", "switchboard")
                .issue("user-in-jar", Duration.ofMinutes(5));
        Class<?> eventClass = loader.loadClass("com.amazonaws.services.lambda.runtime.events.APIGatewayCustomAuthorizerEvent");
        Object event = eventClass.getConstructor().newInstance();
        eventClass.getMethod("setQueryStringParameters", Map.class).invoke(event, Map.of("token", token));
        eventClass.getMethod("setMethodArn", String.class).invoke(event, "arn:aws:execute-api:us-east-1:1:api/local/$connect");
        Method handle = handler.getClass().getMethod("handleRequest", eventClass,
                loader.loadClass("com.amazonaws.services.lambda.runtime.Context"));
        Object policy = handle.invoke(handler, event, null);
        return (String) policy.getClass().getMethod("getPrincipalId").invoke(policy);
    }
}
