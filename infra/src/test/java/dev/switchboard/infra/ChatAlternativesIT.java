package dev.switchboard.infra;

import static dev.switchboard.infra.WsClient.doneOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 16 on the local stack, through the real langchain4j OpenAI client against the scripted server: regenerate,
 * editMessage (idempotent, the replaced branch superseded in history and absent from the model's request), rateMessage
 * (in getHistory and in the operator's /stats), and the title the model writes after a session's first answer.
 */
class ChatAlternativesIT {
    private static final Duration TURN = Duration.ofSeconds(20);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LocalStack stack;

    @BeforeAll
    static void start() {
        stack = StackFixture.stack();
    }

    private static WsClient connect(String userId) {
        return WsClient.connect(stack.webSocketUrl(), stack.tokens().issue(userId, Duration.ofHours(1)));
    }

    private static String user() {
        return "user-" + UUID.randomUUID();
    }

    private static String session(WsClient c) {
        return c.request("{\"action\":\"createSession\",\"model\":\"" + StackFixture.SCRIPTED + "\"}", "session")
                .path("session").path("sessionId").asText();
    }

    /** Sends and waits for the answer; returns the turn id. */
    private static String answered(WsClient c, String sessionId, String text) {
        JsonNode a = c.request("{\"action\":\"sendMessage\",\"clientMessageId\":\"m-" + UUID.randomUUID()
                + "\",\"sessionId\":\"" + sessionId + "\",\"text\":\"" + text + "\"}", "accepted");
        c.await(doneOf(a.path("turnId").asText()), TURN);
        return a.path("turnId").asText();
    }

    private static List<JsonNode> history(WsClient c, String sessionId) {
        List<JsonNode> out = new ArrayList<>();
        c.request("{\"action\":\"getHistory\",\"sessionId\":\"" + sessionId + "\"}", "history").path("messages")
                .forEach(out::add);
        return out;
    }

    /** The turn requests the scripted model got whose last user message contains {@code marker}, as JSON text. */
    private static List<String> turnRequestsAbout(String marker) {
        return StackFixture.model().requests().stream()
                .filter(r -> !r.toString().contains(dev.switchboard.knowledge.MemoryExtractor.MARKER)
                        && !r.toString().contains(dev.switchboard.turn.SessionTitles.MARKER))
                .map(JsonNode::toString).filter(r -> r.contains(marker)).toList();
    }

    @Test
    void regenerateAnswersTheLatestQuestionAgainAndKeepsTheOldAnswerSuperseded() {
        try (WsClient c = connect(user())) {
            String s = session(c);
            String marker = UUID.randomUUID().toString().substring(0, 8);
            answered(c, s, "first " + marker);
            String t2 = answered(c, s, "second " + marker);

            JsonNode a = c.request("{\"action\":\"regenerate\",\"sessionId\":\"" + s + "\",\"turnId\":\"" + t2
                    + "\"}", "accepted", "error");
            assertThat(a.path("regenerates").asText()).as(a.toString()).isEqualTo(t2);
            assertThat(a.path("clientMessageId").isMissingNode() || a.path("clientMessageId").isNull()).isTrue();
            String t3 = a.path("turnId").asText();
            JsonNode done = c.await(doneOf(t3), TURN);
            assertThat(done.path("model").asText()).isEqualTo("scripted");

            List<JsonNode> h = history(c, s);
            assertThat(h).extracting(m -> m.path("role").asText() + ":" + m.path("superseded").asBoolean())
                    .containsExactly("user:false", "assistant:false", "user:false", "assistant:true",
                            "assistant:false");
            assertThat(h.get(4).path("answerOf").asText()).isEqualTo(t2);
            assertThat(h.get(4).path("turnId").asText()).isEqualTo(t3);
            // the regenerated answer's request held the question once, and not the answer it replaces
            List<String> requests = turnRequestsAbout("second " + marker);
            assertThat(requests).hasSize(2);
            assertThat(requests.get(1)).doesNotContain("Echo: second " + marker);

            JsonNode older = c.request("{\"action\":\"regenerate\",\"sessionId\":\"" + s + "\",\"turnId\":\""
                    + h.get(0).path("turnId").asText() + "\"}", "error");
            assertThat(older.path("code").asText()).isEqualTo("TURN_NOT_FOUND");
        }
    }

    @Test
    void editReplacesAMessageAnswersItAgainWithoutTheOldBranchAndIsIdempotent() {
        try (WsClient c = connect(user())) {
            String s = session(c);
            String marker = UUID.randomUUID().toString().substring(0, 8);
            answered(c, s, "keep " + marker);
            String t2 = answered(c, s, "old question " + marker);
            answered(c, s, "later " + marker);
            String edit = "{\"action\":\"editMessage\",\"sessionId\":\"" + s + "\",\"turnId\":\"" + t2
                    + "\",\"clientMessageId\":\"e-" + marker + "\",\"text\":\"new question " + marker + "\"}";

            JsonNode a = c.request(edit, "accepted", "error");
            assertThat(a.path("edits").asText()).as(a.toString()).isEqualTo(t2);
            assertThat(a.path("duplicate").asBoolean()).isFalse();
            c.await(doneOf(a.path("turnId").asText()), TURN);
            JsonNode again = c.request(edit, "accepted", "error");
            assertThat(again.path("duplicate").asBoolean()).as(again.toString()).isTrue();
            assertThat(again.path("turnId").asText()).isEqualTo(a.path("turnId").asText());

            List<JsonNode> h = history(c, s);
            assertThat(h).extracting(m -> m.path("text").asText() + "|" + m.path("superseded").asBoolean())
                    .containsExactly("keep " + marker + "|false", "Echo: keep " + marker + "|false",
                            "old question " + marker + "|true", "Echo: old question " + marker + "|true",
                            "later " + marker + "|true", "Echo: later " + marker + "|true",
                            "new question " + marker + "|false", "Echo: new question " + marker + "|false");
            List<String> requests = turnRequestsAbout("new question " + marker);
            assertThat(requests).hasSize(1);
            assertThat(requests.get(0)).contains("keep " + marker).doesNotContain("old question")
                    .doesNotContain("later " + marker);
        }
    }

    @Test
    void aRatingIsShownInHistoryAndCountedPerModelInStats() throws Exception {
        try (WsClient c = connect(user()); WsClient other = connect(user())) {
            String s = session(c);
            String t = answered(c, s, "rate me");
            JsonNode foreign = other.request("{\"action\":\"rateMessage\",\"sessionId\":\"" + s + "\",\"turnId\":\""
                    + t + "\",\"rating\":\"up\"}", "error");
            assertThat(foreign.path("code").asText()).isEqualTo("SESSION_NOT_FOUND");

            JsonNode rated = c.request("{\"action\":\"rateMessage\",\"sessionId\":\"" + s + "\",\"turnId\":\"" + t
                    + "\",\"rating\":\"down\",\"comment\":\"too short\"}", "rated", "error");
            assertThat(rated.path("rating").asText()).as(rated.toString()).isEqualTo("down");
            JsonNode answer = history(c, s).get(1);
            assertThat(answer.path("rating").asText()).isEqualTo("down");
            assertThat(answer.path("ratingComment").asText()).isEqualTo("too short");

            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(stack.operatorUrl()
                            + "/stats?minutes=5"))
                    .header("Authorization", "Bearer " + stack.operatorToken("ops-ratings", Duration.ofHours(1)))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode ratings = JSON.readTree(r.body()).path("ratings");
            List<JsonNode> scripted = new ArrayList<>();
            ratings.forEach(n -> {
                if (n.path("model").asText().equals("scripted")) {
                    scripted.add(n);
                }
            });
            assertThat(scripted).as(ratings.toString()).isNotEmpty();
            assertThat(scripted.stream().mapToLong(n -> n.path("down").asLong()).sum()).isPositive();
            assertThat(r.body()).doesNotContain("too short").doesNotContain("rate me");
        }
    }

    @Test
    void theModelTitlesASessionAfterItsFirstAnswerAndARenameStays() {
        try (WsClient c = connect(user())) {
            String s = session(c);
            answered(c, s, "title this chat");
            JsonNode pushed = c.await(f -> "session".equals(f.path("type").asText())
                    && f.path("session").path("sessionId").asText().equals(s)
                    && f.path("session").path("title").asText().startsWith("Echo:"), TURN);
            assertThat(pushed.path("session").path("title").asText()).contains("title this chat");
            JsonNode listed = c.request("{\"action\":\"listSessions\"}", "sessions");
            assertThat(listed.path("sessions").findValuesAsText("title"))
                    .contains(pushed.path("session").path("title").asText());

            JsonNode renamed = c.request("{\"action\":\"updateSession\",\"sessionId\":\"" + s
                    + "\",\"title\":\"Mine\"}", "session");
            assertThat(renamed.path("session").path("title").asText()).isEqualTo("Mine");
            answered(c, s, "a second message");
            assertThat(c.request("{\"action\":\"listSessions\"}", "sessions").path("sessions")
                    .findValuesAsText("title")).contains("Mine");
        }
    }
}
