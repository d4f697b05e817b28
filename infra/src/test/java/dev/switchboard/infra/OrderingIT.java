package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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
        List<String> users = new ArrayList<>();
        List<String> sessionIds = new ArrayList<>();
        try {
            for (int s = 0; s < SESSIONS; s++) {
                String user = "order-" + run + "-" + s;
                users.add(user);
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
                                    + "\",\"sessionId\":\"" + sessionId + "\",\"text\":\"" + StackFixture.FLAKY
                                    + " message " + i + "\"}", "accepted");
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
            int lost = 0;
            int duplicated = 0;
            int leaked = 0;
            int disordered = 0;
            for (int s = 0; s < SESSIONS; s++) {
                WsClient c = clients.get(s);
                String sessionId = sessionIds.get(s);
                Map<String, Integer> dones = new HashMap<>();
                for (JsonNode f : c.frames) {
                    if (f.has("sessionId") && !sessionId.equals(f.path("sessionId").asText())) {
                        leaked++;
                    }
                    if ("done".equals(f.path("type").asText())) {
                        dones.merge(f.path("turnId").asText(), 1, Integer::sum);
                    }
                }
                duplicated += (int) dones.values().stream().filter(n -> n > 1).count();
                JsonNode history = c.request("{\"action\":\"getHistory\",\"sessionId\":\"" + sessionId
                        + "\",\"limit\":100}", "history");
                List<String> users_ = new ArrayList<>();
                List<String> answeredTurns = new ArrayList<>();
                for (JsonNode m : history.path("messages")) {
                    if ("user".equals(m.path("role").asText())) {
                        users_.add(m.path("text").asText());
                    } else if ("assistant".equals(m.path("role").asText())) {
                        answeredTurns.add(m.path("turnId").asText());
                    }
                }
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < MESSAGES; i++) {
                    expected.add(StackFixture.FLAKY + " message " + i);
                }
                if (!users_.equals(expected)) {
                    disordered++;
                }
                lost += MESSAGES - (int) answeredTurns.stream().distinct().count();
                duplicated += answeredTurns.size() - (int) answeredTurns.stream().distinct().count();
            }
            System.out.printf("ordering: runs=%d, lost=%d, duplicated=%d, leaked=%d (out of order sessions=%d, "
                    + "injected model failure rate=%d%%)%n", SESSIONS * MESSAGES, lost, duplicated, leaked, disordered,
                    StackFixture.FLAKY_PERCENT);
            assertThat(disordered).as("sessions whose history is not in send order").isZero();
            assertThat(lost).as("lost").isZero();
            assertThat(duplicated).as("duplicated").isZero();
            assertThat(leaked).as("leaked").isZero();
        } finally {
            clients.forEach(WsClient::close);
        }
    }
}
