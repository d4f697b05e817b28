package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.switchboard.auth.DevTokens;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hostile clients on the local stack: every bad token is refused at the handshake, and another user's ids get exactly
 * the answer a missing id gets (no existence leak).
 */
class AbuseIT {
    private static LocalStack stack;
    private static DevTokens devTokens;

    @BeforeAll
    static void start() {
        stack = StackFixture.stack();
        devTokens = new DevTokens(LocalStack.DEV_SECRET, LocalStack.DEV_ISSUER, LocalStack.DEV_AUDIENCE);
    }

    private static JWTClaimsSet.Builder claims(String user) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().subject(user).issuer(LocalStack.DEV_ISSUER).audience(LocalStack.DEV_AUDIENCE)
                .issueTime(Date.from(now)).notBeforeTime(Date.from(now.minusSeconds(1)))
                .expirationTime(Date.from(now.plusSeconds(600)));
    }

    private static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void everyBadTokenIsRefusedAtTheHandshake() {
        Instant now = Instant.now();
        String valid = devTokens.sign(claims("mallory").build());
        String[] parts = valid.split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        List<String> bad = List.of(
                devTokens.sign(claims("mallory").expirationTime(Date.from(now.minusSeconds(3600)))
                        .notBeforeTime(Date.from(now.minusSeconds(7200))).build()),            // expired
                devTokens.sign(claims("mallory").notBeforeTime(Date.from(now.plusSeconds(3600))).build()), // not yet
                devTokens.sign(claims("mallory").issuer("https://evil.example").build()),      // wrong issuer
                devTokens.sign(claims("mallory").audience("someone-else").build()),            // wrong audience
                b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + parts[1] + ".",            // alg none
                parts[0] + "." + b64(payload.replace("mallory", "admin")) + "." + parts[2],  // tampered
                new DevTokens("another-secret-of-at-least-32-bytes!!", LocalStack.DEV_ISSUER,
                        LocalStack.DEV_AUDIENCE).issue("mallory", Duration.ofMinutes(5)),    // foreign key
                devTokens.sign(claims("mallory").claim("padding", "x".repeat(20_000)).build()), // oversized
                devTokens.sign(claims("").build()),                                           // no subject
                "not.a.jwt");
        for (String token : bad) {
            assertThatThrownBy(() -> WsClient.open(URI.create(stack.webSocketUrl() + "?token=" + token), null)
                    .close()).as(token.length() > 80 ? token.substring(0, 80) : token)
                    .hasMessageContaining("handshake failed");
        }
        try (WsClient ok = WsClient.open(URI.create(stack.webSocketUrl() + "?token=" + valid), null)) {
            assertThat(ok.request("{\"action\":\"ping\"}", "pong").path("type").asText()).isEqualTo("pong");
        }
    }

    /** The error for a missing id, with the ids themselves removed (they differ by construction). */
    private static JsonNode withoutIds(JsonNode error) {
        ObjectNode e = error.deepCopy();
        e.remove(List.of("sessionId", "turnId", "clientMessageId"));
        return e;
    }

    @Test
    void anotherUsersIdsGetExactlyTheAnswerOfAMissingId() {
        String alice = "alice-" + UUID.randomUUID();
        try (WsClient a = WsClient.connect(stack.webSocketUrl(), stack.tokens().issue(alice, Duration.ofHours(1)));
             WsClient m = WsClient.connect(stack.webSocketUrl(),
                     stack.tokens().issue("mallory-" + UUID.randomUUID(), Duration.ofHours(1)))) {
            JsonNode acc = a.request("{\"action\":\"sendMessage\",\"clientMessageId\":\"a-1\",\"text\":\"private\"}",
                    "accepted");
            String session = acc.path("sessionId").asText();
            String turn = acc.path("turnId").asText();
            a.await(WsClient.doneOf(turn), Duration.ofSeconds(20));
            String doc = a.request("{\"action\":\"addDocument\",\"title\":\"Secret\",\"text\":\"alice's notes\"}",
                    "documentAdded").path("document").path("documentId").asText();

            String missingSession = "s-" + UUID.randomUUID().toString().replace("-", "");
            List<String> templates = List.of(
                    "{\"action\":\"getHistory\",\"sessionId\":\"%s\"}",
                    "{\"action\":\"deleteSession\",\"sessionId\":\"%s\"}",
                    "{\"action\":\"updateSession\",\"sessionId\":\"%s\",\"title\":\"mine now\"}",
                    "{\"action\":\"cancel\",\"sessionId\":\"%s\"}",
                    "{\"action\":\"sendMessage\",\"clientMessageId\":\"x-1\",\"sessionId\":\"%s\",\"text\":\"hi\"}",
                    "{\"action\":\"approveTool\",\"sessionId\":\"%s\",\"turnId\":\"" + turn + "\",\"toolCallId\":\"c1\"}",
                    "{\"action\":\"sendMessage\",\"clientMessageId\":\"x-2\",\"sessionId\":\"%s\",\"text\":\"/reset\"}",
                    "{\"action\":\"regenerate\",\"sessionId\":\"%s\",\"turnId\":\"" + turn + "\"}",
                    "{\"action\":\"editMessage\",\"sessionId\":\"%s\",\"turnId\":\"" + turn
                            + "\",\"clientMessageId\":\"x-3\",\"text\":\"mine now\"}",
                    "{\"action\":\"rateMessage\",\"sessionId\":\"%s\",\"turnId\":\"" + turn
                            + "\",\"rating\":\"down\",\"comment\":\"mine now\"}",
                    "{\"action\":\"exportSession\",\"sessionId\":\"%s\",\"format\":\"markdown\"}",
                    "{\"action\":\"exportSession\",\"sessionId\":\"%s\",\"format\":\"json\"}");
            for (String t : templates) {
                JsonNode foreign = m.request(String.format(t, session), "error");
                JsonNode missing = m.request(String.format(t, missingSession), "error");
                assertThat(foreign.path("code").asText()).as(t).isEqualTo("SESSION_NOT_FOUND");
                assertThat(withoutIds(foreign)).as(t).isEqualTo(withoutIds(missing));
            }
            JsonNode foreignDoc = m.request("{\"action\":\"deleteDocument\",\"documentId\":\"" + doc + "\"}", "error");
            JsonNode missingDoc = m.request("{\"action\":\"deleteDocument\",\"documentId\":\"d-missing\"}", "error");
            assertThat(withoutIds(foreignDoc)).isEqualTo(withoutIds(missingDoc));
            assertThat(foreignDoc.path("code").asText()).isEqualTo("NOT_FOUND");

            // a search runs in mallory's partitions only: alice's "private" message is not found
            assertThat(m.request("{\"action\":\"searchMessages\",\"query\":\"private\"}", "searchResults")
                    .path("results")).isEmpty();
            assertThat(a.request("{\"action\":\"searchMessages\",\"query\":\"private\"}", "searchResults")
                    .path("results").findValuesAsText("sessionId")).contains(session);

            // alice's things are all still there and untouched
            JsonNode history = a.request("{\"action\":\"getHistory\",\"sessionId\":\"" + session + "\"}", "history");
            assertThat(history.path("messages")).hasSize(2);
            assertThat(history.toString()).doesNotContain("superseded").doesNotContain("rating");
            assertThat(a.request("{\"action\":\"listSessions\"}", "sessions").toString()).doesNotContain("mine now");
            assertThat(a.request("{\"action\":\"listDocuments\"}", "documents").path("documents")
                    .findValuesAsText("documentId")).containsExactly(doc);
        }
    }

    /** exportSession and searchMessages refuse unknown fields, over-long values and cursors this server did not issue. */
    @Test
    void exportAndSearchRefuseUnknownFieldsOverLongValuesAndForeignCursors() {
        try (WsClient m = WsClient.connect(stack.webSocketUrl(),
                stack.tokens().issue("mallory-" + UUID.randomUUID(), Duration.ofHours(1)))) {
            String s = m.request("{\"action\":\"createSession\"}", "session").path("session").path("sessionId")
                    .asText();
            List<String[]> frames = List.of(
                    new String[]{"{\"action\":\"exportSession\",\"sessionId\":\"" + s
                            + "\",\"format\":\"markdown\",\"userId\":\"alice\"}", "INVALID_FIELD"},
                    new String[]{"{\"action\":\"exportSession\",\"sessionId\":\"" + s + "\",\"format\":\"pdf\"}",
                            "INVALID_FIELD"},
                    new String[]{"{\"action\":\"exportSession\",\"sessionId\":\"" + "s".repeat(65)
                            + "\",\"format\":\"json\"}", "FIELD_TOO_LONG"},
                    new String[]{"{\"action\":\"exportSession\",\"sessionId\":\"" + s
                            + "\",\"format\":\"json\",\"cursor\":\"" + "c".repeat(1025) + "\"}", "FIELD_TOO_LONG"},
                    new String[]{"{\"action\":\"exportSession\",\"sessionId\":\"" + s
                            + "\",\"format\":\"json\",\"cursor\":\"" + b64("x1|forged|2|m|t|u|0|0") + "\"}",
                            "INVALID_FIELD"},
                    new String[]{"{\"action\":\"searchMessages\",\"query\":\"tea\",\"sessionId\":\"" + s + "\"}",
                            "INVALID_FIELD"},
                    new String[]{"{\"action\":\"searchMessages\",\"query\":\"" + "q".repeat(201) + "\"}",
                            "FIELD_TOO_LONG"},
                    new String[]{"{\"action\":\"searchMessages\",\"query\":\"tea\",\"limit\":21}", "INVALID_FIELD"},
                    new String[]{"{\"action\":\"searchMessages\",\"query\":\"  \"}", "MISSING_FIELD"},
                    new String[]{"{\"action\":\"searchMessages\",\"query\":\"tea\",\"cursor\":\"" + b64("q1|x|5")
                            + "\"}", "INVALID_FIELD"});
            for (String[] f : frames) {
                JsonNode e = m.request(f[0], "error");
                assertThat(e.path("code").asText()).as(f[0].length() > 120 ? f[0].substring(0, 120) : f[0])
                        .isEqualTo(f[1]);
            }
        }
    }
}
