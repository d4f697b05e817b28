package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.protocol.ProtocolCodec;
import dev.switchboard.testing.ClientView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Promise 3 of docs/reliability.md: a client whose connection drops while an answer streams reconnects and sends
 * {@code resume} (session, turn, last seq seen, its run); what it missed is replayed (by the worker while the turn
 * runs, from the stored answer after it), and the text it ends with is byte-identical to the stored answer. The
 * dropped connection is removed from the connections table.
 */
class ResumeIT {
    private static final Duration TURN = Duration.ofSeconds(30);
    private final LocalStack stack = StackFixture.stack();
    private final ProtocolCodec codec = new ProtocolCodec();

    private WsClient connect(String userId) {
        return WsClient.connect(stack.webSocketUrl(), stack.tokens().issue(userId, Duration.ofHours(1)));
    }

    /** What one run measured: the client's text equals the stored answer; frames applied out of order; leaked. */
    private record Result(boolean same, int outOfOrder, int leaked, String replyStatus) {}

    /**
     * One user: a long answer starts streaming, the connection drops after {@code dropAfter} deltas, a new connection
     * resumes from the last delta it had ({@code waitForDone}: only after the answer was stored).
     */
    private Result dropAndResume(int dropAfter, boolean waitForDone) {
        String user = "resume-" + UUID.randomUUID();
        ClientView view = new ClientView();
        String session;
        String turn;
        String dropped;
        try (WsClient first = connect(user)) {
            JsonNode created = first.request("{\"action\":\"createSession\",\"model\":\"" + StackFixture.SCRIPTED
                    + "\"}", "session");
            session = created.path("session").path("sessionId").asText();
            turn = first.request("{\"action\":\"sendMessage\",\"clientMessageId\":\"m-1\",\"sessionId\":\"" + session
                    + "\",\"text\":\"" + StackFixture.LONG_ANSWER + "\"}", "accepted").path("turnId").asText();
            first.await(f -> "delta".equals(f.path("type").asText()) && turn.equals(f.path("turnId").asText())
                    && f.path("seq").asInt() >= dropAfter - 1, TURN);
            dropped = connectionIds(user).getFirst();
            // what the client holds when its connection drops: the deltas it received so far
            for (JsonNode f : first.ofTurn(turn)) {
                view.apply(codec.readEvent(f.toString()));
            }
        }
        if (waitForDone) {
            await().atMost(TURN).until(() -> storedAnswer(user, session) != null);
        }
        try (WsClient second = connect(user)) {
            JsonNode reply = second.request("{\"action\":\"resume\",\"sessionId\":\"" + session + "\",\"turnId\":\""
                    + turn + "\",\"lastSeq\":" + view.lastSeq()
                    + (view.attempt() == null ? "" : ",\"attempt\":" + view.attempt()) + "}", "resumed", "error");
            assertThat(reply.path("type").asText()).as(reply.toString()).isEqualTo("resumed");
            if (!"answered".equals(reply.path("status").asText())) {
                second.await(WsClient.doneOf(turn), TURN);
            }
            int leaked = 0;
            for (JsonNode f : second.frames) {
                if (turn.equals(f.path("turnId").asText())) {
                    view.apply(codec.readEvent(f.toString()));
                } else if (f.has("turnId") || f.has("sessionId") && !session.equals(f.path("sessionId").asText())) {
                    leaked++;
                }
            }
            assertThat(view.done()).isTrue();
            // the dropped connection answered 410 to the worker (or was closed by $disconnect): it is gone
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(connectionIds(user)).doesNotContain(dropped).hasSize(1));
            String stored = storedAnswer(user, session);
            return new Result(view.text().equals(stored), view.outOfOrder(), leaked, reply.path("status").asText());
        }
    }

    private List<String> connectionIds(String user) {
        return stack.dynamo().query(b -> b.tableName(stack.environment("ConnectFunction").get("CONNECTIONS_TABLE"))
                        .keyConditionExpression("pk = :u").expressionAttributeValues(Map.of(":u",
                                AttributeValue.fromS(user)))).items().stream()
                .map(i -> i.get("sk").s()).toList();
    }

    private String storedAnswer(String user, String session) {
        try (WsClient c = connect(user)) {
            JsonNode h = c.request("{\"action\":\"getHistory\",\"sessionId\":\"" + session + "\"}", "history");
            for (JsonNode m : h.path("messages")) {
                if ("assistant".equals(m.path("role").asText())) {
                    return m.path("text").asText();
                }
            }
            return null;
        }
    }

    @Test
    void aClientThatDropsMidStreamEndsWithTheStoredAnswerByteForByte() throws Exception {
        List<Callable<Result>> runs = new ArrayList<>();
        // the long answer streams for ~4 s in about ten deltas (the interval between deltas grows to 600 ms)
        for (int dropAfter : new int[] {1, 2, 4, 6, 8}) {
            runs.add(() -> dropAndResume(dropAfter, false));
        }
        runs.add(() -> dropAndResume(2, true));
        runs.add(() -> dropAndResume(5, true));
        int lost = 0;
        int duplicated = 0;
        int leaked = 0;
        Map<String, Integer> statuses = new java.util.TreeMap<>();
        try (var pool = Executors.newFixedThreadPool(runs.size())) {
            for (Future<Result> f : pool.invokeAll(runs)) {
                Result r = f.get();
                lost += r.same() ? 0 : 1;
                duplicated += r.outOfOrder();
                leaked += r.leaked();
                statuses.merge(r.replyStatus(), 1, Integer::sum);
            }
        }
        System.out.printf("resume: runs=%d, lost=%d, duplicated=%d, leaked=%d (resumed while %s)%n", runs.size(), lost,
                duplicated, leaked, statuses);
        assertThat(statuses).as("both paths ran: the worker's replay and the stored answer's")
                .containsKeys("running", "answered");
        assertThat(lost).as("runs whose text differs from the stored answer").isZero();
        assertThat(duplicated).as("deltas repeated or out of order").isZero();
        assertThat(leaked).isZero();
    }
}
