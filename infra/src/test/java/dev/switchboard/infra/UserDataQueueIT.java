package dev.switchboard.infra;

import static dev.switchboard.infra.WsClient.doneOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.knowledge.MemoryExtractor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Memory jobs run off the turns' queue (template.yaml's UserDataQueue, the worker's second event source): a user's
 * next turns never wait behind their memory extraction, however slow it is, and the memory still lands.
 */
class UserDataQueueIT {
    private static final Duration TURN = Duration.ofSeconds(20);

    private static String id() {
        return "m-" + UUID.randomUUID();
    }

    private static String session(WsClient c) {
        JsonNode s = c.request("{\"action\":\"createSession\",\"model\":\"" + StackFixture.SCRIPTED + "\"}", "session");
        return s.path("session").path("sessionId").asText();
    }

    private static String send(WsClient c, String sessionId, String text) {
        JsonNode r = c.request("{\"action\":\"sendMessage\",\"clientMessageId\":\"" + id() + "\",\"sessionId\":\""
                + sessionId + "\",\"text\":\"" + text + "\"}", "accepted");
        return r.path("turnId").asText();
    }

    private static boolean extractionArrived(String key) {
        return StackFixture.model().requests().stream().map(JsonNode::toString)
                .anyMatch(r -> r.contains(MemoryExtractor.MARKER) && r.contains("[hold-memory:" + key + "]"));
    }

    /**
     * As many users as the stack has pollers each leave a memory extraction hanging at the model (one after the other,
     * so on a shared queue each would take a poller of its own and the users' next turns would find none); then every
     * user's next turns, in the same session and in a new one, stream and finish while all those jobs still hang.
     * Released, each job stores its memory, and the user's following turn is answered with it.
     */
    @Test
    void aUsersNextTurnsStreamAndFinishWhileTheirMemoryJobHangsAndTheMemoryLandsAfter() {
        LocalStack stack = StackFixture.stack();
        // the shared stack polls each queue with 2 threads: on one shared queue, two hanging memory jobs (received one
        // after the other, so in batches of their own) would take both and leave no poller for any turn
        int users = 2;
        List<WsClient> clients = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        List<String> sessions = new ArrayList<>();
        try {
            for (int i = 0; i < users; i++) {
                String key = "k" + UUID.randomUUID().toString().substring(0, 8);
                WsClient c = WsClient.connect(stack.webSocketUrl(),
                        stack.tokens().issue("user-" + UUID.randomUUID(), Duration.ofHours(1)));
                clients.add(c);
                keys.add(key);
                String s = session(c);
                sessions.add(s);
                c.await(doneOf(send(c, s, "My codeword is " + key + " [hold-memory:" + key + "]")), TURN);
                await().atMost(TURN).until(() -> extractionArrived(key));
            }

            for (int i = 0; i < users; i++) {
                WsClient c = clients.get(i);
                String same = send(c, sessions.get(i), "Next question in the same session " + UUID.randomUUID());
                String other = send(c, session(c), "A question in another session " + UUID.randomUUID());
                for (String turn : List.of(same, other)) {
                    c.await(f -> "delta".equals(f.path("type").asText()) && turn.equals(f.path("turnId").asText()),
                            TURN);
                    c.await(doneOf(turn), TURN);
                }
            }
            assertThat(stack.queueIdle("UserDataQueue")).as("the held memory jobs are in flight on their own queue")
                    .isFalse();
            for (String key : keys) {
                assertThat(StackFixture.model().requests().stream().map(JsonNode::toString)
                        .filter(r -> r.contains(MemoryExtractor.MARKER) && r.contains("[hold-memory:" + key + "]")))
                        .as("the memory job of " + key + " was not retried meanwhile: it still hangs at the model")
                        .hasSize(1);
                assertThat(clients.get(keys.indexOf(key)).request("{\"action\":\"listMemories\"}", "memories")
                        .toString()).as("not remembered before the extraction answers").doesNotContain(key);
            }
        } finally {
            keys.forEach(StackFixture::releaseMemory);
        }
        try {
            for (int i = 0; i < users; i++) {
                WsClient c = clients.get(i);
                String key = keys.get(i);
                await().atMost(TURN).until(() -> c.request("{\"action\":\"listMemories\"}", "memories").toString()
                        .contains("codeword is " + key));
                String question = "What is my codeword? " + UUID.randomUUID();
                c.await(doneOf(send(c, session(c), question)), TURN);
                assertThat(StackFixture.model().requests().stream().map(JsonNode::toString)
                        .filter(r -> !r.contains(MemoryExtractor.MARKER)
                                && !r.contains(dev.switchboard.turn.SessionTitles.MARKER) && r.contains(question)))
                        .as("the next turn's prompt carries the memory").hasSize(1)
                        .allSatisfy(r -> assertThat(r).contains("codeword is " + key));
            }
        } finally {
            clients.forEach(WsClient::close);
        }
    }
}
