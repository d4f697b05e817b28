package dev.switchboard.infra;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Reliability scenario "ordering": 30 sessions (100 with {@code -Dreliability.full=true}), one user each, × 20 messages sent
 * back to back (each as soon as the previous one is accepted),
 * while the model fails a share of its calls (HTTP 500, retried by the queue): every session's stored history is in
 * send order, every message answered exactly once, and no frame reaches another user. Prints
 * {@code ordering: runs, lost, duplicated, leaked}.
 */
class OrderingIT {
    /** 100 sessions with {@code -Dreliability.full=true}; 30 in the default run (CI time on a 2-core machine). */
    private static final int SESSIONS = Boolean.getBoolean("reliability.full") ? 100 : 30;
    private static final int MESSAGES = 20;

    @Test
    void everySessionsHistoryIsInSendOrderDespiteInjectedFailures() throws Exception {
        LocalStack stack = StackFixture.stack();
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<WsClient> clients = new ArrayList<>();
        List<String> sessionIds = new ArrayList<>();
        try {
            for (int s = 0; s < SESSIONS; s++) {
                String user = "order-" + run + "-" + s;
                WsClient c = WsClient.connect(stack.webSocketUrl(), stack.tokens().issue(user, Duration.ofHours(1)));
                clients.add(c);
                JsonNode created = c.request("{\"action\":\"createSession\",\"model\":\"" + StackFixture.SCRIPTED
                        + "\"}", "session");
                sessionIds.add(created.path("session").path("sessionId").asText());
            }
            // each session sends its messages back to back, each as soon as the previous one is accepted (frames of
            // one connection are processed concurrently, as on API Gateway, so acceptance order is the order a client
            // can rely on); all sessions at once
            try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                for (int s = 0; s < SESSIONS; s++) {
                    WsClient c = clients.get(s);
                    String sessionId = sessionIds.get(s);
                    pool.submit(() -> {
                        for (int i = 0; i < MESSAGES; i++) {
                            c.request("{\"action\":\"sendMessage\",\"clientMessageId\":\"o-" + i
                                    + "\",\"sessionId\":\"" + sessionId + "\",\"text\":\"" + text(i) + "\"}",
                                    "accepted");
                        }
                        return null;
                    });
                }
            }
            long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
            for (WsClient c : clients) {
                while (c.frames.stream().filter(WsClient.type("done")).count() < MESSAGES
                        && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
            }
            ScenarioFigures figures = new ScenarioFigures();
            List<String> sent = IntStream.range(0, MESSAGES).mapToObj(OrderingIT::text).toList();
            for (int s = 0; s < SESSIONS; s++) {
                figures.countSession(clients.get(s), sessionIds.get(s), sent,
                        ScenarioFigures.history(clients.get(s), sessionIds.get(s)));
            }
            System.out.println(figures.line("ordering", "injected model failure rate=%d%%"
                    .formatted(StackFixture.FLAKY_PERCENT)));
            figures.assertClean();
        } finally {
            clients.forEach(WsClient::close);
        }
    }

    private static String text(int i) {
        return StackFixture.FLAKY + " message " + i;
    }
}
