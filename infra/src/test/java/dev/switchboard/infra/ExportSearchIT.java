package dev.switchboard.infra;

import static dev.switchboard.infra.WsClient.doneOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.protocol.Limits;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * exportSession and searchMessages (issue 16) on the local stack with the offline model, whose answer repeats the
 * question: two sessions of one user, one of them with two 16,000-character questions (CJK, 3 bytes each), so each of
 * its exports needs several parts; a search that finds both sessions; and another user who finds nothing of them.
 */
class ExportSearchIT {
    private static final Duration TURN = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LocalStack stack;

    @BeforeAll
    static void start() {
        stack = StackFixture.stack();
    }

    private static WsClient connect(String userId) {
        return WsClient.connect(stack.webSocketUrl(), stack.tokens().issue(userId, Duration.ofHours(1)));
    }

    /** Sends a message (to a new session when {@code sessionId} is null), waits for its answer; returns the session. */
    private static String answered(WsClient c, String sessionId, String text) {
        JsonNode a = c.request("{\"action\":\"sendMessage\",\"clientMessageId\":\"m-" + UUID.randomUUID() + "\","
                + (sessionId == null ? "" : "\"sessionId\":\"" + sessionId + "\",") + "\"text\":\"" + text + "\"}",
                TURN, "accepted");
        c.await(doneOf(a.path("turnId").asText()), TURN);
        return a.path("sessionId").asText();
    }

    /** Every part of an export, in order. */
    private static List<JsonNode> export(WsClient c, String sessionId, String format) {
        List<JsonNode> parts = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode part = c.request("{\"action\":\"exportSession\",\"sessionId\":\"" + sessionId
                    + "\",\"format\":\"" + format + "\"" + (cursor == null ? "" : ",\"cursor\":\"" + cursor + "\"")
                    + "}", "export", "error");
            assertThat(part.path("type").asText()).as(part.toString().substring(0, Math.min(200,
                    part.toString().length()))).isEqualTo("export");
            assertThat(part.path("part").asInt()).isEqualTo(parts.size() + 1);
            assertThat(part.toString().getBytes(StandardCharsets.UTF_8).length)
                    .as("a part fits one reply").isLessThanOrEqualTo(Limits.MAX_REPLY_BYTES);
            parts.add(part);
            cursor = part.hasNonNull("nextCursor") ? part.path("nextCursor").asText() : null;
        } while (cursor != null && parts.size() < 50);
        assertThat(cursor).isNull();
        return parts;
    }

    private static String joined(List<JsonNode> parts) {
        StringBuilder s = new StringBuilder();
        parts.forEach(p -> s.append(p.path("content").asText()));
        return s.toString();
    }

    @Test
    void twoSessionsExportInPartsAndOneSearchFindsBothButNotForAnotherUser() throws Exception {
        String marker = "m" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        String alice = "alice-" + UUID.randomUUID();
        String big1 = marker + " 東京" + "海".repeat(Limits.MAX_TEXT_CHARS - marker.length() - 3);
        String big2 = "京都" + "山".repeat(Limits.MAX_TEXT_CHARS - 2);
        try (WsClient a = connect(alice); WsClient mallory = connect("mallory-" + UUID.randomUUID())) {
            String s1 = answered(a, null, big1);
            answered(a, s1, big2);
            String s2 = answered(a, null, "a short note about " + marker + " and quokkas");

            List<JsonNode> markdown = export(a, s1, "markdown");
            assertThat(markdown.size()).as("about 190 KB of text").isGreaterThanOrEqualTo(2);
            String md = joined(markdown);
            assertThat(md).startsWith("# ").contains("## User · ").contains("## Assistant · ");
            assertThat(md).as("each question whole, then its echo").contains(big1).contains(big2);
            assertThat(md.indexOf(big1)).isLessThan(md.indexOf(big2));

            List<JsonNode> json = export(a, s1, "json");
            assertThat(json.size()).isGreaterThanOrEqualTo(2);
            JsonNode doc = JSON.readTree(joined(json));
            assertThat(doc.path("sessionId").asText()).isEqualTo(s1);
            assertThat(doc.path("exportedAt").asText()).isNotEmpty();
            List<String> roles = new ArrayList<>();
            doc.path("messages").forEach(m -> roles.add(m.path("role").asText()));
            assertThat(roles).containsExactly("user", "assistant", "user", "assistant");
            assertThat(doc.path("messages").get(0).path("text").asText()).isEqualTo(big1);
            assertThat(doc.path("messages").get(2).path("text").asText()).isEqualTo(big2);
            assertThat(doc.path("messages").get(3).path("text").asText()).contains(big2);

            List<JsonNode> small = export(a, s2, "json");
            assertThat(small).hasSize(1);
            assertThat(JSON.readTree(small.get(0).path("content").asText()).path("messages")).hasSize(2);

            JsonNode found = a.request("{\"action\":\"searchMessages\",\"query\":\"" + marker + "\"}", TURN,
                    "searchResults");
            assertThat(found.path("query").asText()).isEqualTo(marker);
            assertThat(found.path("results").findValuesAsText("sessionId")).contains(s1, s2);
            assertThat(found.path("results").findValuesAsText("role")).contains("user", "assistant");
            assertThat(found.path("results").findValuesAsText("excerpt"))
                    .allSatisfy(e -> assertThat(e).contains(marker).hasSizeLessThanOrEqualTo(170));
            JsonNode cjk = a.request("{\"action\":\"searchMessages\",\"query\":\"京都\",\"limit\":1}", TURN,
                    "searchResults");
            assertThat(cjk.path("results")).hasSize(1);
            assertThat(cjk.path("results").get(0).path("sessionId").asText()).isEqualTo(s1);
            assertThat(cjk.path("nextCursor").asText()).as("the echo holds it too").isNotEmpty();

            JsonNode theirs = mallory.request("{\"action\":\"searchMessages\",\"query\":\"" + marker + "\"}", TURN,
                    "searchResults");
            assertThat(theirs.path("results")).isEmpty();
            JsonNode foreign = mallory.request("{\"action\":\"exportSession\",\"sessionId\":\"" + s1
                    + "\",\"format\":\"markdown\"}", "error");
            assertThat(foreign.path("code").asText()).isEqualTo("SESSION_NOT_FOUND");
            JsonNode foreignCursor = mallory.request("{\"action\":\"exportSession\",\"sessionId\":\"" + s1
                    + "\",\"format\":\"markdown\",\"cursor\":\"" + markdown.get(0).path("nextCursor").asText()
                    + "\"}", "error");
            assertThat(foreignCursor.path("code").asText()).isEqualTo("SESSION_NOT_FOUND");
        }
    }
}
