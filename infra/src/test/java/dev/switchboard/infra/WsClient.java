package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real WebSocket client (the JDK's) that keeps every frame it receives, in order, as JSON, with the time it arrived
 * ({@link #arrivedAt}).
 */
final class WsClient implements WebSocket.Listener, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    final List<JsonNode> frames = new CopyOnWriteArrayList<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final Map<JsonNode, Long> arrivals = Collections.synchronizedMap(new IdentityHashMap<>());
    private final StringBuilder partial = new StringBuilder();
    private volatile WebSocket ws;

    static WsClient connect(String url, String token) {
        return open(URI.create(url + "?token=" + token), null);
    }

    /** Opens a connection; a refused handshake throws with the HTTP status in the message. */
    static WsClient open(URI uri, String subprotocols) {
        WsClient client = new WsClient();
        var builder = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        if (subprotocols != null) {
            String[] p = subprotocols.split(",\\s*");
            builder.subprotocols(p[0], Arrays.copyOfRange(p, 1, p.length));
        }
        try {
            client.ws = builder.buildAsync(uri, client).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            String status = cause instanceof java.net.http.WebSocketHandshakeException h
                    ? " (HTTP " + h.getResponse().statusCode() + ")" : "";
            throw new IllegalStateException("handshake failed" + status + ": " + cause, e);
        }
        return client;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            long now = System.nanoTime();
            JsonNode frame;
            try {
                frame = JSON.readTree(partial.toString());
            } catch (Exception e) {
                frame = JSON.getNodeFactory().textNode(partial.toString());
            }
            arrivals.put(frame, now);
            frames.add(frame);
            partial.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.complete(-1);
    }

    /** When {@code frame} (one of {@link #frames}) arrived, on the {@link System#nanoTime()} clock. */
    long arrivedAt(JsonNode frame) {
        return arrivals.get(frame);
    }

    String subprotocol() {
        return ws.getSubprotocol();
    }

    /** Synchronized: the JDK WebSocket refuses a send while another is pending (parallel requests on one client). */
    synchronized void send(String json) {
        ws.sendText(json, true).join();
    }

    /** Waits for the first frame (from the start) that matches, and returns it. */
    JsonNode await(Predicate<JsonNode> match, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            for (JsonNode f : frames) {
                if (match.test(f)) {
                    return f;
                }
            }
            sleep(5);
        }
        throw new AssertionError("no matching frame within " + timeout + "; got " + frames);
    }

    /** Sends and waits for the reply of a two-way route (the next frame of type {@code replyType} after sending). */
    JsonNode request(String json, String... replyTypes) {
        return request(json, Duration.ofSeconds(10), replyTypes);
    }

    /** {@link #request(String, String...)} waiting up to {@code timeout} for the reply. */
    JsonNode request(String json, Duration timeout, String... replyTypes) {
        // two requests in flight on one connection: a reply that names a clientMessageId answers only the request
        // that sent it
        String clientMessageId;
        try {
            clientMessageId = JSON.readTree(json).path("clientMessageId").asText(null);
        } catch (Exception e) {
            clientMessageId = null;
        }
        int before = frames.size();
        send(json);
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            for (int i = before; i < frames.size(); i++) {
                JsonNode f = frames.get(i);
                String repliesTo = f.path("clientMessageId").asText(null);
                if (clientMessageId != null && repliesTo != null && !clientMessageId.equals(repliesTo)) {
                    continue;
                }
                for (String t : replyTypes) {
                    if (t.equals(f.path("type").asText())) {
                        return f;
                    }
                }
            }
            sleep(5);
        }
        throw new AssertionError("no reply " + String.join("/", replyTypes) + " to " + json + "; got " + frames);
    }

    List<JsonNode> ofTurn(String turnId) {
        return frames.stream().filter(f -> turnId.equals(f.path("turnId").asText())).toList();
    }

    static Predicate<JsonNode> type(String type) {
        return f -> type.equals(f.path("type").asText());
    }

    static Predicate<JsonNode> doneOf(String turnId) {
        return f -> "done".equals(f.path("type").asText()) && turnId.equals(f.path("turnId").asText());
    }

    void assertOpen() {
        assertThat(closed).isNotDone();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (!ws.isOutputClosed()) {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null).join();
        }
    }
}
