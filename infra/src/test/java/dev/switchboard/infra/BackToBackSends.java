package dev.switchboard.infra;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.config.Setting;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

/**
 * The load of the failure-injection scenarios: one session per client, each sending {@code messages} messages back
 * to back (the next as soon as the previous is accepted; one whose reply is an {@code error} is sent again with the
 * same clientMessageId, as a real client would), all sessions at once; then the answers are awaited and counted
 * against the Messages table and the frames.
 *
 * @param user the user of session {@code s}
 * @param text the text of message {@code i}
 */
record BackToBackSends(List<WsClient> clients, List<String> sessionIds, int messages, IntFunction<String> user,
                       IntFunction<String> text) {
    /** Tries of one sendMessage by the client (the first and the resends after an error reply). */
    static final int CLIENT_TRIES = 5;

    /** Sends every session's messages; returns the client resends. */
    int send() {
        AtomicInteger resends = new AtomicInteger();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int s = 0; s < clients.size(); s++) {
                WsClient c = clients.get(s);
                String sessionId = sessionIds.get(s);
                pool.submit(() -> {
                    for (int i = 0; i < messages; i++) {
                        String send = "{\"action\":\"sendMessage\",\"clientMessageId\":\"t-" + i
                                + "\",\"sessionId\":\"" + sessionId + "\",\"text\":\"" + text.apply(i) + "\"}";
                        for (int attempt = 1; attempt <= CLIENT_TRIES; attempt++) {
                            JsonNode reply = c.request(send, Duration.ofSeconds(30), "accepted", "error");
                            if ("accepted".equals(reply.path("type").asText())) {
                                break;
                            }
                            resends.incrementAndGet();
                        }
                    }
                    return null;
                });
            }
        }
        return resends.get();
    }

    /** Waits up to {@code wait} for every session's done events, then counts every session. */
    ScenarioFigures awaitAndCount(LocalStack stack, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        for (WsClient c : clients) {
            while (c.frames.stream().filter(WsClient.type("done")).count() < messages
                    && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
        }
        String table = stack.environment("MessageFunction").get(Setting.MESSAGES_TABLE.name());
        ScenarioFigures figures = new ScenarioFigures();
        List<String> sent = IntStream.range(0, messages).mapToObj(text).toList();
        for (int s = 0; s < clients.size(); s++) {
            figures.countSession(clients.get(s), sessionIds.get(s), sent,
                    ScenarioFigures.storedInTable(stack, table, user.apply(s), sessionIds.get(s)));
        }
        return figures;
    }
}
