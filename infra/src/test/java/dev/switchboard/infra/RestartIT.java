package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Item 4 of issue 13: a local stack stopped and started again on the same data directory keeps sessions, history,
 * memories, documents and queued turns, and the turn that was streaming when it stopped is answered after the
 * restart, once. Its own two stacks (the shared one runs in memory).
 */
class RestartIT {
    private static final String USER = "restart-user";
    /** The offline model streams one word per 60 ms: this answer streams for ~15 s, longer than the stop's grace. */
    private static final String LONG = String.join(" ", Collections.nCopies(250, "word"));
    private static final Duration TURN = Duration.ofSeconds(90);

    @TempDir
    Path dataDir;

    private static LocalStack start(Path dataDir) {
        return LocalStack.start(LocalStack.Options.defaults()
                .withDataDir(dataDir)
                .withVisibility(3)
                // a turn that was running comes back 5 s after the restart, not after the worker's 90 s timeout
                .withInFlightSeconds(5)
                .withEnv(Map.of("OFFLINE_DELAY_MILLIS", "60", "DELTA_FLUSH_MILLIS", "40")));
    }

    private static WsClient connect(LocalStack stack) {
        return WsClient.connect(stack.webSocketUrl(), stack.tokens().issue(USER, Duration.ofHours(1)));
    }

    private static String send(WsClient c, String session, String id, String text) {
        return c.request("{\"action\":\"sendMessage\",\"clientMessageId\":\"" + id + "\",\"sessionId\":\"" + session
                + "\",\"text\":\"" + text + "\"}", "accepted").path("turnId").asText();
    }

    private static List<ScenarioFigures.Stored> history(WsClient c, String session) {
        return ScenarioFigures.history(c, session);
    }

    @Test
    void aStackStoppedMidStreamAndStartedOnItsDataDirectoryLosesNothingAndAnswersTheStreamingTurnOnce() {
        String session;
        String streaming;
        List<String> sent = List.of("Hello, remember that my cat is called Tom.", LONG, "and after that?");
        try (LocalStack first = start(dataDir); WsClient c = connect(first)) {
            session = c.request("{\"action\":\"createSession\"}", "session").path("session").path("sessionId").asText();
            String answered = send(c, session, "m-1", sent.get(0));
            c.await(WsClient.doneOf(answered), TURN);
            c.request("{\"action\":\"addDocument\",\"title\":\"Cats\",\"text\":\"Tom is a grey cat.\"}",
                    "documentAdded");
            await().atMost(TURN).until(() -> c.request("{\"action\":\"listMemories\"}", "memories")
                    .path("memories").size() == 1);
            streaming = send(c, session, "m-2", sent.get(1));
            c.await(f -> "delta".equals(f.path("type").asText()) && streaming.equals(f.path("turnId").asText()), TURN);
            send(c, session, "m-3", sent.get(2)); // queued behind the streaming turn (one turn at a time per session)
        } // stops the stack while the long answer streams

        try (LocalStack second = start(dataDir); WsClient c = connect(second)) {
            JsonNode sessions = c.request("{\"action\":\"listSessions\"}", "sessions").path("sessions");
            assertThat(sessions).as("sessions kept").hasSize(1);
            await().atMost(TURN).pollInterval(Duration.ofMillis(500)).until(() -> history(c, session).stream()
                    .filter(m -> "assistant".equals(m.role())).count() >= 3);
            // the worker is idle once every kept turn is answered: nothing answers twice later
            await().atMost(TURN).until(second::workerIdle);
            List<ScenarioFigures.Stored> stored = history(c, session);
            long streamingAnswers = stored.stream()
                    .filter(m -> "assistant".equals(m.role()) && streaming.equals(m.turnId())).count();
            int documents = c.request("{\"action\":\"listDocuments\"}", "documents").path("documents").size();
            int memories = c.request("{\"action\":\"listMemories\"}", "memories").path("memories").size();
            // lost: a sent message not stored, or stored without an answer; duplicated: every extra copy of either
            List<String> userTexts = stored.stream().filter(m -> "user".equals(m.role()))
                    .map(ScenarioFigures.Stored::text).toList();
            java.util.Map<String, Long> answers = stored.stream().filter(m -> "assistant".equals(m.role()))
                    .collect(java.util.stream.Collectors.groupingBy(ScenarioFigures.Stored::turnId,
                            java.util.stream.Collectors.counting()));
            long lost = sent.stream().filter(t -> !userTexts.contains(t)).count() + stored.stream()
                    .filter(m -> "user".equals(m.role()) && !answers.containsKey(m.turnId())).count();
            long duplicated = (userTexts.size() - userTexts.stream().distinct().count())
                    + answers.values().stream().mapToLong(n -> n - 1).sum();
            System.out.printf("scenario: restart: runs=%d, lost=%d, duplicated=%d; the streaming turn answered %d"
                    + " time(s) after the restart; kept: sessions=%d, documents=%d, memories=%d; redelivered=%d%n",
                    sent.size(), lost, duplicated, streamingAnswers, sessions.size(), documents, memories,
                    second.workerRedeliveries());
            assertThat(lost).as("lost").isZero();
            assertThat(duplicated).as("duplicated").isZero();
            assertThat(stored.stream().filter(m -> "user".equals(m.role())).map(ScenarioFigures.Stored::text))
                    .as("user messages kept, in order, once each").containsExactlyElementsOf(sent);
            assertThat(streamingAnswers).as("the turn that was streaming is answered once").isEqualTo(1);
            assertThat(stored.stream().filter(m -> "assistant".equals(m.role())).count()).isEqualTo(3);
            assertThat(documents).as("documents kept").isEqualTo(1);
            assertThat(memories).as("memories kept").isEqualTo(1);
        }
    }
}
