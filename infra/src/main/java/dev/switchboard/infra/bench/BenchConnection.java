package dev.switchboard.infra.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.BitSet;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * One benchmark WebSocket connection of one user (the JDK client): sends turns and timestamps, on arrival, every
 * frame it receives, by turn; keeps a count of frames per session id so that frames of another user's session can be
 * found after the run.
 */
final class BenchConnection implements WebSocket.Listener, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** An {@code accepted} (or an {@code error}) reply to one sendMessage. */
    record Reply(long nanos, String sessionId, String turnId, boolean duplicate, String error) {}

    /** The frames of one turn on this connection. */
    static final class TurnFrames {
        final CompletableFuture<Long> done = new CompletableFuture<>();
        private final BitSet seqs = new BitSet();
        long firstDeltaNanos;
        int deltas;
        int repeatedSeqs;
        int doneCount;
        int doneDeltas = -1;
        long doneNanos;

        synchronized void delta(int seq, long now) {
            if (deltas == 0) {
                firstDeltaNanos = now;
            }
            deltas++;
            if (seq < 0 || seqs.get(seq)) {
                repeatedSeqs++;
            } else {
                seqs.set(seq);
            }
        }

        synchronized void done(int announced, long now) {
            doneCount++;
            if (doneCount == 1) {
                doneDeltas = announced;
                doneNanos = now;
            }
            done.complete(now);
        }

        /** Deltas 0..n-1 each once, and the done event announces n. */
        synchronized boolean consistent() {
            return doneCount == 1 && repeatedSeqs == 0 && seqs.cardinality() == deltas
                    && seqs.nextClearBit(0) == deltas && doneDeltas == deltas;
        }
    }

    final String userId;
    final Map<String, CompletableFuture<Reply>> replies = new ConcurrentHashMap<>();
    final Map<String, TurnFrames> turns = new ConcurrentHashMap<>();
    final Map<String, LongAdder> framesBySession = new ConcurrentHashMap<>();
    /** The sessions this connection was told are its user's (by an accepted). */
    final java.util.Set<String> acceptedSessions = ConcurrentHashMap.newKeySet();
    final LongAdder frames = new LongAdder();
    final LongAdder messageUnits = new LongAdder();
    final LongAdder sent = new LongAdder();
    private final StringBuilder partial = new StringBuilder();
    private volatile WebSocket ws;

    private BenchConnection(String userId) {
        this.userId = userId;
    }

    static BenchConnection open(HttpClient http, String url, String userId, String token) {
        BenchConnection c = new BenchConnection(userId);
        try {
            c.ws = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(URI.create(url + "?token=" + token), c).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("connection of " + userId + " failed: " + e, e);
        }
        return c;
    }

    TurnFrames turn(String turnId) {
        return turns.computeIfAbsent(turnId, t -> new TurnFrames());
    }

    /** Sends one sendMessage; the returned future completes with its accepted or error reply. */
    CompletableFuture<Reply> send(String sessionId, String clientMessageId, String text) {
        CompletableFuture<Reply> reply = new CompletableFuture<>();
        replies.put(clientMessageId, reply);
        ObjectNode m = JSON.createObjectNode().put("action", "sendMessage").put("clientMessageId", clientMessageId)
                .put("text", text);
        if (sessionId != null) {
            m.put("sessionId", sessionId);
        }
        String json = m.toString();
        synchronized (this) { // one outstanding sendText at a time per WebSocket
            ws.sendText(json, true).join();
        }
        sent.increment();
        messageUnits.add(units(json));
        return reply;
    }

    private static long units(String json) {
        return Math.max(1, (json.getBytes(StandardCharsets.UTF_8).length + 32 * 1024 - 1) / (32 * 1024));
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
            String text = partial.toString();
            partial.setLength(0);
            frames.increment();
            messageUnits.add(units(text));
            try {
                handle(JSON.readTree(text), now);
            } catch (Exception e) {
                framesBySession.computeIfAbsent("(unparsable)", k -> new LongAdder()).increment();
            }
        }
        webSocket.request(1);
        return null;
    }

    private void handle(JsonNode f, long now) {
        String sessionId = f.path("sessionId").asText("");
        if (!sessionId.isEmpty()) {
            framesBySession.computeIfAbsent(sessionId, k -> new LongAdder()).increment();
        }
        String turnId = f.path("turnId").asText("");
        switch (f.path("type").asText()) {
            case "accepted" -> {
                acceptedSessions.add(sessionId);
                complete(f, new Reply(now, sessionId, turnId, f.path("duplicate").asBoolean(), null));
            }
            case "error" -> complete(f, new Reply(now, sessionId, turnId, false, f.path("code").asText("error")));
            case "delta" -> turn(turnId).delta(f.path("seq").asInt(-1), now);
            case "done" -> turn(turnId).done(f.path("deltas").asInt(-1), now);
            default -> { }
        }
    }

    private void complete(JsonNode f, Reply reply) {
        CompletableFuture<Reply> waiting = replies.remove(f.path("clientMessageId").asText(""));
        if (waiting != null) {
            waiting.complete(reply);
        }
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        replies.values().forEach(r -> r.completeExceptionally(error));
    }

    @Override
    public void close() {
        if (ws != null && !ws.isOutputClosed()) {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bench done").orTimeout(5, TimeUnit.SECONDS)
                    .exceptionally(e -> null).join();
        }
    }
}
