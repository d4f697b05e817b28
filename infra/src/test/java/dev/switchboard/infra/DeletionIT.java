package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
 * Item 6 of issue 13: after {@code deleteSession} and after the operator's user deletion, no item of that session or
 * user is left in any table of template.yaml, also when sends race the deletion (their messages are either deleted
 * with the session or taken back by the send that finds its session gone, and the worker removes an answer it stored
 * into a session deleted meanwhile). Every table is scanned.
 */
class DeletionIT {
    private static final Duration TURN = Duration.ofSeconds(60);
    private static final int RACING_SENDS = 12;
    private final LocalStack stack = StackFixture.stack();

    private WsClient connect(String userId) {
        return WsClient.connect(stack.webSocketUrl(), stack.tokens().issue(userId, Duration.ofHours(1)));
    }

    private static String send(String session, String cmid, String text) {
        return "{\"action\":\"sendMessage\",\"clientMessageId\":\"" + cmid + "\""
                + (session == null ? "" : ",\"sessionId\":\"" + session + "\"") + ",\"text\":\"" + text + "\"}";
    }

    /** Items of any table whose key or any string attribute names {@code needle} (a user id, or user#session). */
    /** The items of any table naming {@code needle}: each as its table and keys (no text), to tell what was left. */
    private List<String> left(String needle) {
        List<String> found = new ArrayList<>();
        for (String table : stack.dynamo().listTables().tableNames()) {
            for (Map<String, AttributeValue> item : stack.dynamo().scanPaginator(b -> b.tableName(table)).items()) {
                if (item.values().stream().anyMatch(v -> v.s() != null && v.s().contains(needle))) {
                    found.add(table + " " + item.get("sk") + " " + item.keySet());
                }
            }
        }
        return found;
    }

    /** Sends {@link #RACING_SENDS} messages to {@code session} while {@code delete} runs; returns how many were accepted. */
    private int race(String userId, String session, Callable<?> delete) throws Exception {
        List<Callable<Object>> work = new ArrayList<>();
        for (int i = 0; i < RACING_SENDS; i++) {
            String cmid = "race-" + i;
            work.add(() -> {
                try (WsClient c = connect(userId)) { // a connection per sender: one socket sends one frame at a time
                    return c.request(send(session, cmid, "racing message " + cmid), "accepted", "error");
                } catch (RuntimeException | AssertionError closedByTheDeletion) {
                    return null; // the user deletion ends the connections first
                }
            });
            if (i == RACING_SENDS / 2) {
                work.add(delete::call);
            }
        }
        int accepted = 0;
        try (var pool = Executors.newFixedThreadPool(4)) {
            for (Future<Object> f : pool.invokeAll(work)) {
                if (f.get() instanceof JsonNode reply && "accepted".equals(reply.path("type").asText())) {
                    accepted++;
                }
            }
        }
        return accepted;
    }

    private JsonNode operatorDelete(String userId) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(stack.operatorUrl() + "/users/" + userId))
                .header("Authorization", "Bearer " + stack.operatorToken("deletion-it", Duration.ofHours(1)))
                .timeout(Duration.ofSeconds(30)).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
    }

    @Test
    void nothingOfADeletedSessionOrUserIsLeftInAnyTableEvenWhenSendsRaceTheDeletion() throws Exception {
        String sessionUser = "del-session-" + UUID.randomUUID();
        String deletedUser = "del-user-" + UUID.randomUUID();
        String keptUser = "del-kept-" + UUID.randomUUID();
        String session;
        int acceptedInSession;
        int acceptedForUser;
        try (WsClient c = connect(sessionUser)) {
            session = c.request(send(null, "first", "the first message"), "accepted").path("sessionId").asText();
            c.await(f -> "done".equals(f.path("type").asText()), TURN);
            acceptedInSession = race(sessionUser, session, () -> c.request(
                    "{\"action\":\"deleteSession\",\"sessionId\":\"" + session + "\"}", "sessionDeleted", "error"));
            // a delete repeated after the race removes what raced in after the first one
            c.request("{\"action\":\"deleteSession\",\"sessionId\":\"" + session + "\"}", "sessionDeleted", "error");
        }
        try (WsClient u = connect(deletedUser); WsClient k = connect(keptUser)) {
            String first = u.request(send(null, "u-1", "Hi, remember that my locker is 4711."), "accepted")
                    .path("sessionId").asText();
            u.await(f -> "done".equals(f.path("type").asText()), TURN);
            await().atMost(TURN).until(() -> u.request("{\"action\":\"listMemories\"}", "memories")
                    .path("memories").size() >= 1);
            u.request("{\"action\":\"addDocument\",\"title\":\"Manual\",\"text\":\"Lockers open with a code.\"}",
                    "documentAdded");
            u.request(send(null, "u-2", "a second session"), "accepted");
            k.request(send(null, "k-1", "the kept user's message"), "accepted");
            acceptedForUser = race(deletedUser, first, () -> operatorDelete(deletedUser));
        }
        // every turn that raced in is run (and its answer removed again) before the tables are scanned
        await().atMost(TURN).pollInterval(Duration.ofMillis(300)).until(stack::workerIdle);
        List<String> sessionItems = left(session);
        List<String> userItems = left(deletedUser);
        int sessionLeft = sessionItems.size();
        int userLeft = userItems.size();
        JsonNode repeat = operatorDelete(deletedUser);
        List<String> afterRepeat = left(deletedUser);
        int keptItems = left(keptUser).size();
        System.out.printf("scenario: deletion: racing sends=%d (accepted %d into the deleted session, %d for the"
                        + " deleted user), left=%d (session %d, user %d: %s); a repeated user deletion found %s,"
                        + " left %d; kept user's items=%d%n", 2 * RACING_SENDS, acceptedInSession, acceptedForUser,
                sessionLeft + userLeft, sessionLeft, userLeft, userItems, repeat.path("deleted"), afterRepeat.size(),
                keptItems);
        assertThat(sessionItems).as("items of the deleted session in any table").isEmpty();
        // a model call in flight during the deletion charges the budget when it ends: its charge (C#) and the day's
        // token counter (Q#) may be written again after the deletion; they hold token counts only, expire after
        // two days, and a repeated deletion removes them (README, "Operator API"). Nothing else may be left.
        assertThat(userItems).as("items of the deleted user in any table, but a late charge's")
                .allMatch(item -> item.startsWith("UserDataTable AttributeValue(S=C#")
                        || item.startsWith("UserDataTable AttributeValue(S=Q#"));
        assertThat(afterRepeat).as("items of the deleted user once deleted again").isEmpty();
        assertThat(keptItems).as("the other user keeps what they own").isPositive();
    }
}
