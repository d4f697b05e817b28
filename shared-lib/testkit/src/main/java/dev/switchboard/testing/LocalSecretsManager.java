package dev.switchboard.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.switchboard.config.Env;
import dev.switchboard.config.Setting;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local test double of the Secrets Manager HTTP API, as much as the functions use of it: {@code GetSecretValue}
 * over JSON 1.1 ({@code POST /}, {@code X-Amz-Target: secretsmanager.GetSecretValue}, body {@code {"SecretId": …}}),
 * answering the stored value as {@code SecretString}, {@code ResourceNotFoundException} for a secret it does not
 * hold and {@code AccessDeniedException} for one {@linkplain #deny denied}; any other operation is refused. Counts
 * the reads of each secret. Binds 127.0.0.1 on a free port; point the client at {@link #endpoint()}.
 */
public final class LocalSecretsManager implements SecretsDouble, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TARGET = "secretsmanager.GetSecretValue";

    private final HttpServer server;
    /** What the double holds and counts; it answers over HTTP what the fake answers in process. */
    private final InMemorySecretSource secrets = new InMemorySecretSource();
    private final AtomicInteger versions = new AtomicInteger();

    public LocalSecretsManager() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::handle);
        server.start();
    }

    /** http://127.0.0.1:port: the Secrets Manager client's endpoint override. */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /**
     * {@code base} with the secret of {@code plain} (JWT_SECRET, OPENAI_API_KEY) coming from this double instead:
     * the plain variable removed, {@code arnSetting} set to {@code arn}, the client's endpoint pointed here.
     */
    public Env envReading(Env base, Setting plain, Setting arnSetting, String arn) {
        Map<String, String> vars = new HashMap<>(base.asMap());
        vars.remove(plain.name());
        vars.put(arnSetting.name(), arn);
        vars.put(Setting.SECRETS_MANAGER_ENDPOINT.name(), endpoint());
        return new Env(vars);
    }

    @Override
    public void put(String secretId, String value) {
        secrets.put(secretId, value);
    }

    @Override
    public void deny(String secretId) {
        secrets.deny(secretId);
    }

    @Override
    public int reads(String secretId) {
        return secrets.reads(secretId);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            JsonNode body = JSON.readTree(exchange.getRequestBody().readAllBytes());
            if (!"POST".equals(exchange.getRequestMethod()) || !TARGET.equals(target)) {
                error(exchange, "UnknownOperationException", "only " + TARGET + " is served here, not " + target);
                return;
            }
            String id = body.path("SecretId").asText();
            String value;
            try {
                value = secrets.read(id);
            } catch (IllegalStateException refused) {
                String code = secrets.refusal(id).orElseThrow();
                error(exchange, code, code.equals("AccessDeniedException")
                        ? "User is not authorized to perform: secretsmanager:GetSecretValue on resource: " + id
                        : "Secrets Manager can't find the specified secret.");
                return;
            }
            reply(exchange, 200, JSON.createObjectNode().put("ARN", id).put("Name", id)
                    .put("SecretString", value).put("VersionId", "v" + versions.incrementAndGet())
                    .put("CreatedDate", 1.7e9).set("VersionStages", JSON.createArrayNode().add("AWSCURRENT")));
        }
    }

    private static void error(HttpExchange exchange, String type, String message) throws IOException {
        exchange.getResponseHeaders().add("x-amzn-ErrorType", type);
        reply(exchange, 400, JSON.createObjectNode().put("__type", type).put("message", message));
    }

    private static void reply(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
