package dev.switchboard.infra;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;

/**
 * Throttles a share of the DynamoDB requests of the clients it is installed in (as an SDK interceptor, see
 * {@link LocalStack.Options#withAwsInterceptors}) the way DynamoDB does when a table's capacity is exceeded: the
 * attempt is answered HTTP 400 {@code ProvisionedThroughputExceededException} and not applied, so the SDK's own retry
 * policy, with its backoff for throttling, takes over as on AWS.
 * <p>
 * An interceptor alone cannot throttle single attempts: the SDK runs {@code modifyHttpRequest} once per call, before
 * its retries. So the interceptor sends every DynamoDB request to a small proxy on 127.0.0.1 (the real endpoint in a
 * header); the proxy sees each attempt, answers the chosen ones itself and forwards the others unchanged.
 */
final class ThrottledDynamoDb implements ExecutionInterceptor, AutoCloseable {
    private static final String DYNAMODB = "DynamoDb";
    private static final String TARGET = "X-Switchboard-Forward-To";
    /** The error body DynamoDB sends when a request exceeds the table's capacity. */
    static final String THROTTLED_BODY = "{\"__type\":\"com.amazonaws.dynamodb.v20120810"
            + "#ProvisionedThroughputExceededException\",\"message\":\"injected\"}";
    /** Headers the JDK client sets itself (or refuses), and the proxy's own. */
    private static final Set<String> NOT_FORWARDED = Set.of("connection", "content-length", "expect", "host",
            "upgrade", "transfer-encoding", TARGET.toLowerCase(Locale.ROOT));

    /**
     * @param calls     DynamoDB calls the clients made (one per API call, however many attempts)
     * @param attempts  HTTP attempts that reached the proxy
     * @param throttled attempts answered with the throttling error
     * @param gaveUp    calls that failed with the throttling error after all of the SDK's attempts
     */
    record Figures(long calls, long attempts, long throttled, long gaveUp) {
        /** Attempts beyond the first of each call: the SDK's retries. */
        long retries() {
            return attempts - calls;
        }
    }

    private final int percent;
    private final Random random;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpServer server;
    private final HttpClient forward = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final LongAdder calls = new LongAdder();
    private final LongAdder attempts = new LongAdder();
    private final LongAdder throttled = new LongAdder();
    private final LongAdder gaveUp = new LongAdder();

    private ThrottledDynamoDb(int percent, long seed) throws IOException {
        this.percent = percent;
        this.random = new Random(seed);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::exchange);
        server.setExecutor(executor);
        server.start();
    }

    /** @param percent share of DynamoDB attempts to throttle, chosen at random from {@code seed} */
    static ThrottledDynamoDb start(int percent, long seed) {
        try {
            return new ThrottledDynamoDb(percent, seed);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Figures figures() {
        return new Figures(calls.sum(), attempts.sum(), throttled.sum(), gaveUp.sum());
    }

    /**
     * The figures once no DynamoDB attempt has been made for a second (so no call is between a throttled attempt and
     * its retry), or after {@code atMost}.
     */
    Figures settledFigures(Duration atMost) throws InterruptedException {
        long end = System.nanoTime() + atMost.toNanos();
        Figures before = figures();
        while (System.nanoTime() < end) {
            Thread.sleep(1_000);
            Figures now = figures();
            if (now.equals(before)) {
                return now;
            }
            before = now;
        }
        return before;
    }

    @Override
    public SdkHttpRequest modifyHttpRequest(Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
        SdkHttpRequest request = context.httpRequest();
        if (!DYNAMODB.equals(attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME))) {
            return request;
        }
        calls.increment();
        return request.toBuilder()
                .putHeader(TARGET, request.protocol() + "://" + request.host() + ":" + request.port())
                .host("127.0.0.1")
                .port(server.getAddress().getPort())
                .build();
    }

    @Override
    public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
        if (context.exception() instanceof ProvisionedThroughputExceededException) {
            gaveUp.increment();
        }
    }

    private boolean throttleNext() {
        synchronized (random) {
            return random.nextInt(100) < percent;
        }
    }

    private void exchange(HttpExchange ex) throws IOException {
        try (ex) {
            attempts.increment();
            byte[] body = ex.getRequestBody().readAllBytes();
            if (throttleNext()) {
                throttled.increment();
                byte[] error = THROTTLED_BODY.getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.0");
                ex.getResponseHeaders().add("x-amzn-RequestId", UUID.randomUUID().toString());
                ex.sendResponseHeaders(400, error.length);
                ex.getResponseBody().write(error);
                return;
            }
            HttpRequest.Builder request = HttpRequest.newBuilder(
                            URI.create(ex.getRequestHeaders().getFirst(TARGET) + ex.getRequestURI()))
                    .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
            ex.getRequestHeaders().forEach((name, values) -> {
                if (!NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT))) {
                    values.forEach(v -> request.header(name, v));
                }
            });
            HttpResponse<byte[]> response = forward.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            response.headers().map().forEach((name, values) -> {
                if (!NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT))) {
                    ex.getResponseHeaders().put(name, values);
                }
            });
            byte[] answer = response.body();
            ex.sendResponseHeaders(response.statusCode(), answer.length == 0 ? -1 : answer.length);
            ex.getResponseBody().write(answer);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while forwarding", e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        forward.close();
    }
}
