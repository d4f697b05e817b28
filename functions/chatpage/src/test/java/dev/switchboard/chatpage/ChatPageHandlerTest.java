package dev.switchboard.chatpage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The custom resource against a local test double of S3's HTTP API (path-style) and of CloudFormation's response URL,
 * with the real S3 client: what lands in the bucket, and that CloudFormation always gets an answer.
 */
class ChatPageHandlerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HttpServer server;
    private String base;
    /** key to (content type, body) of what S3 holds in bucket "page". */
    private final Map<String, Stored> objects = new ConcurrentHashMap<>();
    private final List<JsonNode> answers = new CopyOnWriteArrayList<>();
    private final List<String> answerContentTypes = new CopyOnWriteArrayList<>();
    private volatile boolean s3Denies;
    private S3Client s3;

    record Stored(String contentType, String cacheControl, byte[] body) {}

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/page", this::s3);
        server.createContext("/response", exchange -> {
            answerContentTypes.add(String.valueOf(exchange.getRequestHeaders().getFirst("Content-Type")));
            answers.add(JSON.readTree(exchange.getRequestBody().readAllBytes()));
            reply(exchange, 200, "");
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
        s3 = S3Client.builder().region(Region.US_EAST_1).endpointOverride(URI.create(base)).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .overrideConfiguration(c -> c.retryStrategy(b -> b.maxAttempts(1)))
                .httpClient(UrlConnectionHttpClient.create()).build();
    }

    @AfterEach
    void stop() {
        s3.close();
        server.stop(0);
    }

    private void s3(HttpExchange exchange) throws IOException {
        if (s3Denies) {
            // read the whole body first, as S3 does: a reply sent while the client still writes can reset the
            // connection, and the client then sees "Error writing request body" instead of S3's answer
            exchange.getRequestBody().readAllBytes();
            reply(exchange, 403, "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>");
            return;
        }
        String path = exchange.getRequestURI().getPath();
        String key = path.length() > "/page/".length() ? path.substring("/page/".length()) : "";
        switch (exchange.getRequestMethod()) {
            case "PUT" -> {
                objects.put(key, new Stored(exchange.getRequestHeaders().getFirst("Content-Type"),
                        exchange.getRequestHeaders().getFirst("Cache-Control"), payload(exchange)));
                exchange.getResponseHeaders().add("ETag", "\"e\"");
                reply(exchange, 200, "");
            }
            case "DELETE" -> {
                objects.remove(key);
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
            }
            case "GET" -> {
                StringBuilder xml = new StringBuilder("<ListBucketResult><Name>page</Name><KeyCount>")
                        .append(objects.size()).append("</KeyCount><IsTruncated>false</IsTruncated>");
                new TreeMap<>(objects).keySet().forEach(k -> xml.append("<Contents><Key>").append(k)
                        .append("</Key><Size>1</Size></Contents>"));
                reply(exchange, 200, xml.append("</ListBucketResult>").toString());
            }
            default -> reply(exchange, 405, "");
        }
    }

    /** The body as sent: plain, or in aws-chunked encoding (size;chunk-signature=..., data, ..., 0-size chunk). */
    private static byte[] payload(HttpExchange exchange) throws IOException {
        byte[] raw = exchange.getRequestBody().readAllBytes();
        String encoding = String.valueOf(exchange.getRequestHeaders().getFirst("Content-Encoding"))
                + String.valueOf(exchange.getRequestHeaders().getFirst("x-amz-content-sha256"));
        if (!encoding.contains("aws-chunked") && !encoding.contains("STREAMING")) {
            return raw;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (i < raw.length) {
            int eol = indexOf(raw, i);
            String header = new String(raw, i, eol - i, StandardCharsets.US_ASCII);
            int size = Integer.parseInt(header.split(";")[0].trim(), 16);
            if (size == 0) {
                break;
            }
            out.write(raw, eol + 2, size);
            i = eol + 2 + size + 2;
        }
        return out.toByteArray();
    }

    private static int indexOf(byte[] raw, int from) {
        for (int i = from; i < raw.length - 1; i++) {
            if (raw[i] == '\r' && raw[i + 1] == '\n') {
                return i;
            }
        }
        return raw.length;
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/xml");
        exchange.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            exchange.getResponseBody().write(b);
        }
        exchange.close();
    }

    private ChatPageHandler handler() {
        return new ChatPageHandler(s3, PageFiles.bundled(), CustomResourceReply.overHttp());
    }

    private Map<String, Object> event(String type, Map<String, Object> properties) {
        Map<String, Object> e = new HashMap<>();
        e.put("RequestType", type);
        e.put("ResponseURL", base + "/response?X-Amz-Signature=abc");
        e.put("StackId", "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1");
        e.put("RequestId", "req-1");
        e.put("LogicalResourceId", "ChatPageFiles");
        if (!type.equals("Create")) {
            e.put("PhysicalResourceId", "chat-page-page");
        }
        e.put("ResourceProperties", properties);
        return e;
    }

    private static Map<String, Object> cognitoProperties() {
        Map<String, Object> p = new HashMap<>();
        p.put("ServiceToken", "arn:aws:lambda:us-east-1:123456789012:function:f:live");
        p.put("Bucket", "page");
        p.put("WebSocketUrl", "wss://abc.execute-api.us-east-1.amazonaws.com/prod");
        p.put("Issuer", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_X");
        p.put("ClientId", "client-1");
        p.put("RedirectUri", "https://d1.cloudfront.net/");
        p.put("Scopes", "openid email profile");
        p.put("TokenType", "id_token");
        p.put("AuthorizationEndpoint", "https://p.auth.us-east-1.amazoncognito.com/oauth2/authorize");
        p.put("TokenEndpoint", "https://p.auth.us-east-1.amazoncognito.com/oauth2/token");
        p.put("LogoutEndpoint", "");
        return p;
    }

    @Test
    void createWritesThePageFilesAndConfigJsonAndAnswersSuccess() throws Exception {
        handler().handleRequest(event("Create", cognitoProperties()), null);

        assertThat(objects.keySet()).contains("index.html", "app.js", "style.css", "config.json");
        assertThat(objects.get("index.html").contentType()).startsWith("text/html");
        assertThat(objects.get("app.js").contentType()).startsWith("text/javascript");
        // the Markdown renderer and its sanitiser, unpacked from their WebJars at build time, go up with the page
        for (String vendor : List.of("vendor/markdown-it/dist/markdown-it.min.js", "vendor/dompurify/dist/purify.min.js")) {
            assertThat(objects.get(vendor)).as(vendor).isNotNull();
            assertThat(objects.get(vendor).contentType()).as(vendor).isEqualTo("text/javascript; charset=utf-8");
            assertThat(objects.get(vendor).body()).as(vendor).isEqualTo(PageFiles.bundled().files().get(vendor));
        }
        assertThat(new String(objects.get("vendor/markdown-it/dist/markdown-it.min.js").body(), StandardCharsets.UTF_8))
                .contains("markdownit");
        assertThat(new String(objects.get("vendor/dompurify/dist/purify.min.js").body(), StandardCharsets.UTF_8))
                .contains("DOMPurify");
        assertThat(objects.get("vendor/dompurify/LICENSE").contentType()).isEqualTo("text/plain; charset=utf-8");
        assertThat(objects.get("index.html").cacheControl()).isEqualTo(ChatPageHandler.CACHE_CONTROL);
        assertThat(objects.get("index.html").body()).isEqualTo(PageFiles.bundled().files().get("index.html"));
        JsonNode config = JSON.readTree(objects.get("config.json").body());
        assertThat(config.path("webSocketUrl").asText()).isEqualTo("wss://abc.execute-api.us-east-1.amazonaws.com/prod");
        assertThat(config.path("signIn").asText()).isEqualTo("oidc");
        assertThat(config.path("issuer").asText()).isEqualTo("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_X");
        assertThat(config.path("clientId").asText()).isEqualTo("client-1");
        assertThat(config.path("redirectUri").asText()).isEqualTo("https://d1.cloudfront.net/");
        assertThat(config.path("scopes").asText()).isEqualTo("openid email profile");
        assertThat(config.path("tokenType").asText()).isEqualTo("id_token");
        assertThat(config.path("tokenEndpoint").asText()).endsWith("/oauth2/token");
        assertThat(config.has("logoutEndpoint")).as("an empty endpoint is left out").isFalse();

        assertThat(answers).hasSize(1);
        JsonNode answer = answers.get(0);
        assertThat(answer.path("Status").asText()).isEqualTo("SUCCESS");
        assertThat(answer.path("PhysicalResourceId").asText()).isEqualTo("chat-page-page");
        assertThat(answer.path("RequestId").asText()).isEqualTo("req-1");
        assertThat(answer.path("LogicalResourceId").asText()).isEqualTo("ChatPageFiles");
        assertThat(answer.path("StackId").asText()).startsWith("arn:aws:cloudformation:");
        assertThat(answerContentTypes).containsExactly("null"); // the pre-signed URL is signed without one
    }

    @Test
    void updateWithoutEndpointsLeavesThemToDiscovery() throws Exception {
        Map<String, Object> own = cognitoProperties();
        own.put("Issuer", "https://login.example.com");
        own.put("AuthorizationEndpoint", "");
        own.put("TokenEndpoint", "");
        handler().handleRequest(event("Update", own), null);
        JsonNode config = JSON.readTree(objects.get("config.json").body());
        assertThat(config.path("issuer").asText()).isEqualTo("https://login.example.com");
        assertThat(config.has("authorizationEndpoint")).isFalse();
        assertThat(config.has("tokenEndpoint")).isFalse();
        assertThat(answers.get(0).path("Status").asText()).isEqualTo("SUCCESS");
        assertThat(answers.get(0).path("PhysicalResourceId").asText()).isEqualTo("chat-page-page");
    }

    @Test
    void aFailedWriteAnswersFailedWithTheReason() {
        s3Denies = true;
        handler().handleRequest(event("Create", cognitoProperties()), null);
        assertThat(answers).hasSize(1);
        assertThat(answers.get(0).path("Status").asText()).isEqualTo("FAILED");
        assertThat(answers.get(0).path("Reason").asText()).contains("Access Denied");
    }

    @Test
    void aMissingPropertyAnswersFailedNamingItAndWritesNothing() {
        Map<String, Object> p = cognitoProperties();
        p.remove("ClientId");
        handler().handleRequest(event("Create", p), null);
        assertThat(objects).isEmpty();
        assertThat(answers.get(0).path("Status").asText()).isEqualTo("FAILED");
        assertThat(answers.get(0).path("Reason").asText()).contains("ClientId");
    }

    @Test
    void deleteEmptiesTheBucketAndAnswersSuccessEvenWhenItCannot() {
        handler().handleRequest(event("Create", cognitoProperties()), null);
        objects.put("left-behind.txt", new Stored("text/plain", null, new byte[] {1}));
        handler().handleRequest(event("Delete", cognitoProperties()), null);
        assertThat(objects).isEmpty();
        assertThat(answers.get(1).path("Status").asText()).isEqualTo("SUCCESS");

        s3Denies = true;
        handler().handleRequest(event("Delete", cognitoProperties()), null);
        assertThat(answers.get(2).path("Status").asText()).as("a stack can always be deleted").isEqualTo("SUCCESS");
    }

    @Test
    void anUnreachableResponseUrlDoesNotThrow() {
        Map<String, Object> e = event("Create", cognitoProperties());
        e.put("ResponseURL", "http://127.0.0.1:1/response");
        handler().handleRequest(e, null);
        assertThat(objects).containsKey("config.json");
    }

    @Test
    void theBundledFilesAreTheLocalStacksPageWithoutAConfigJson() throws IOException {
        PageFiles files = PageFiles.bundled();
        assertThat(files.files()).containsKeys("index.html", "app.js", "style.css").doesNotContainKey("config.json");
        try (InputStream local = ChatPageHandlerTest.class.getResourceAsStream("/chatpage/web/app.js")) {
            assertThat(local).isNotNull();
            assertThat(files.files().get("app.js")).isEqualTo(local.readAllBytes());
        }
        assertThat(PageFiles.contentType("a/b.CSS")).startsWith("text/css");
        assertThat(PageFiles.contentType("x.bin")).isEqualTo("application/octet-stream");
    }

    @Test
    void theSampleEventOfEventsRunsThroughTheHandler(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws IOException {
        String file = dev.switchboard.testing.EventFixtures.prepare("chatpage-create.json", tmp,
                Map.of("${RESPONSE_URL}", base + "/response", "${BUCKET}", "page"));
        @SuppressWarnings("unchecked")
        Map<String, Object> sample = JSON.readValue(java.nio.file.Files.readString(java.nio.file.Path.of(file)), Map.class);
        handler().handleRequest(sample, null);
        assertThat(answers.get(0).path("Status").asText()).isEqualTo("SUCCESS");
        assertThat(JSON.readTree(objects.get("config.json").body()).path("logoutEndpoint").asText()).endsWith("/logout");
    }
}
