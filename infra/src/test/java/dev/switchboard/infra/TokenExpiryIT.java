package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Reliability scenario "token expiry": one user with two connections, one opened with a token that lives
 * {@value #SHORT_TOKEN_SECONDS} s and one with an hour's token. An answer before the short token expires reaches both
 * (every connection of the user mirrors it); after it expires, answers reach the live connection only, although the
 * expired one stays open and its item is still in the table (TTL deletes lazily): its item expires with its token and
 * the worker skips expired items. Prints {@code token expiry: …} with the frames each connection got.
 */
class TokenExpiryIT {
    private static final int SHORT_TOKEN_SECONDS = 8;
    private static final int LATER_ANSWERS = 3;

    @Test
    void aConnectionWhoseTokenExpiredReceivesNothingOfLaterAnswers() throws Exception {
        LocalStack stack = StackFixture.stack();
        String user = "expiry-" + UUID.randomUUID();
        try (WsClient shortLived = WsClient.connect(stack.webSocketUrl(),
                     stack.tokens().issue(user, Duration.ofSeconds(SHORT_TOKEN_SECONDS)));
             WsClient live = WsClient.connect(stack.webSocketUrl(), stack.tokens().issue(user, Duration.ofHours(1)))) {
            long expiresAtMillis = System.currentTimeMillis() / 1000 * 1000 + SHORT_TOKEN_SECONDS * 1000L;
            String before = send(live, null, "before the expiry");
            String sessionId = live.frames.stream().filter(WsClient.doneOf(before)).findFirst().orElseThrow()
                    .path("sessionId").asText();
            JsonNode mirrored = shortLived.await(WsClient.doneOf(before), Duration.ofSeconds(10));
            assertThat(mirrored).as("the answer before the expiry reaches the other connection too").isNotNull();

            Thread.sleep(Math.max(0, expiresAtMillis + 1_500 - System.currentTimeMillis()));
            int framesAtExpiry = shortLived.frames.size();
            int liveFrames = 0;
            for (int i = 0; i < LATER_ANSWERS; i++) {
                int liveBefore = live.frames.size();
                String turn = send(live, sessionId, "after the expiry " + i);
                liveFrames += (int) live.frames.stream().skip(liveBefore)
                        .filter(f -> turn.equals(f.path("turnId").asText())).count();
            }
            Thread.sleep(300); // a frame sent to the expired connection would have arrived by now
            long laterOnExpired = shortLived.frames.stream().skip(framesAtExpiry).count();
            System.out.println(("token expiry: answers before the expiry reaching the expired-later connection=1/1, "
                    + "frames of %d later answers on the expired connection=%d, on the live one=%d")
                    .formatted(LATER_ANSWERS, laterOnExpired, liveFrames));
            assertThat(laterOnExpired).as("frames on the connection whose token expired").isZero();
            assertThat(liveFrames).as("frames of the later answers on the live connection")
                    .isGreaterThanOrEqualTo(LATER_ANSWERS * 2);
            shortLived.assertOpen();
        }
    }

    /** Sends a message (a new session when {@code sessionId} is null) and waits for its done; returns its turn id. */
    private static String send(WsClient client, String sessionId, String text) {
        String id = "m-" + UUID.randomUUID();
        JsonNode accepted = client.request("{\"action\":\"sendMessage\",\"clientMessageId\":\"" + id + "\""
                + (sessionId == null ? "" : ",\"sessionId\":\"" + sessionId + "\"") + ",\"text\":\"" + text + "\"}",
                Duration.ofSeconds(10), "accepted");
        String turnId = accepted.path("turnId").asText();
        assertThat(client.await(WsClient.doneOf(turnId), Duration.ofSeconds(20))).as("done of " + text).isNotNull();
        return turnId;
    }
}
