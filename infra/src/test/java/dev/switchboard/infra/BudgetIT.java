package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.config.Setting;
import dev.switchboard.knowledge.MemoryExtractor;
import dev.switchboard.testing.ScriptedOpenAiServer;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Reliability scenario "budget": one user with a daily budget of {@value #BUDGET} tokens, on a stack of its own
 * (scripted model, memory extraction on, {@value #SLOTS} answers at once), tries every dodge: a long answer cancelled
 * after most of it streamed, an {@code interrupt} session whose messages cut each other off, a turn the model fails on
 * every delivery then resent with its clientMessageId, {@value #PARALLEL} parallel sends across new sessions, and
 * messages queued behind the answer that spends the budget. Every model call is charged once (a charge item per call,
 * as many as the model got requests); the model is never called once the budget is spent: not by the queued turns
 * (they end with {@code BUDGET_EXHAUSTED}), not by the memory job, and not by any dodge tried afterwards (each refused
 * with {@code LIMIT_REACHED}). Prints {@code budget: tokens allowed, charged, reported by the model, calls after
 * exhaustion}.
 */
class BudgetIT {
    private static final long BUDGET = 20_000;
    private static final int SLOTS = 4;
    private static final int PARALLEL = 50;
    private static final int LONG_WORDS = 300;
    private static final String LONG = "[long]";
    private static final String FAIL = "[fail]";
    /** The model reports the whole budget as this call's prompt: the call that spends what is left. */
    private static final String HUGE = "[huge]";
    private static final String USER = "budget-user";

    /** One request the scripted model got, when, and the tokens it reports (or would have, had the stream ended). */
    private record Call(long atNanos, String text, boolean memory, int reported) {}

    private final List<Call> calls = new CopyOnWriteArrayList<>();

    private ScriptedOpenAiServer.Reply reply(JsonNode body) {
        String request = body.toString();
        // background calls: the memory extraction and the session's title
        boolean memory = request.contains(MemoryExtractor.MARKER)
                || request.contains(dev.switchboard.turn.SessionTitles.MARKER);
        String user = "";
        for (JsonNode m : body.path("messages")) {
            if ("user".equals(m.path("role").asText())) {
                user = m.path("content").asText("");
            }
        }
        int prompt = request.length() / 4;
        ScriptedOpenAiServer.Reply reply;
        if (memory) {
            reply = new ScriptedOpenAiServer.Reply.Text(List.of("[]"), new ScriptedOpenAiServer.Usage(prompt, 1));
        } else if (user.contains(FAIL)) {
            reply = ScriptedOpenAiServer.Reply.failure(500, "injected failure");
        } else if (user.contains(LONG)) {
            reply = new ScriptedOpenAiServer.Reply.Text(Collections.nCopies(LONG_WORDS, "word "),
                    new ScriptedOpenAiServer.Usage(prompt, LONG_WORDS));
        } else if (user.contains(HUGE)) {
            // a long stream, so that the messages queued behind it are admitted before it reports its usage
            reply = new ScriptedOpenAiServer.Reply.Text(Collections.nCopies(LONG_WORDS, "word "),
                    new ScriptedOpenAiServer.Usage((int) BUDGET, LONG_WORDS));
        } else {
            String[] pieces = ScriptedOpenAiServer.pieces("Echo: " + user);
            reply = new ScriptedOpenAiServer.Reply.Text(List.of(pieces),
                    new ScriptedOpenAiServer.Usage(prompt, pieces.length));
        }
        int reported = reply instanceof ScriptedOpenAiServer.Reply.Text t ? t.usage().promptTokens()
                + t.usage().completionTokens() : 0;
        calls.add(new Call(System.nanoTime(), user, memory, reported));
        return reply;
    }

    @Test
    void noDodgeGetsTheModelCalledOnceTheDailyBudgetIsSpent() throws Exception {
        try (ScriptedOpenAiServer model = ScriptedOpenAiServer.start(this::reply, Duration.ofMillis(5));
             LocalStack stack = LocalStack.start(LocalStack.Options.defaults()
                     .withVisibility(2)
                     .withEnv(Map.of("MODELS", StackFixture.SCRIPTED, "OPENAI_BASE_URL", model.baseUrl(),
                             "DELTA_FLUSH_MILLIS", "40", "DELTA_FLUSH_MAX_MILLIS", "40", "CANCEL_POLL_MILLIS", "100",
                             Setting.LIMIT_TOKENS_PER_DAY.name(), Long.toString(BUDGET),
                             Setting.LIMIT_CONCURRENT_TURNS.name(), Integer.toString(SLOTS),
                             Setting.LIMIT_TURNS_PER_MINUTE.name(), "0", Setting.LIMIT_SESSIONS_PER_MINUTE.name(), "0")));
             WsClient c = WsClient.connect(stack.webSocketUrl(), stack.tokens().issue(USER, Duration.ofHours(1)))) {
            String table = stack.environment("WorkerFunction").get(Setting.USER_DATA_TABLE.name());

            // 1. cancel after most of a long answer has streamed
            String s1 = session(c, "enqueue");
            String t1 = accepted(c, "c-1", s1, LONG + " tell me everything");
            awaitWords(c, t1, LONG_WORDS * 3 / 4);
            c.send("{\"action\":\"cancel\",\"sessionId\":\"" + s1 + "\"}");
            assertThat(done(c, t1).path("finishReason").asText()).isEqualTo("CANCELLED");

            // 2. an interrupt session: each message cuts the running answer off
            String s2 = session(c, "interrupt");
            String a1 = accepted(c, "i-1", s2, LONG + " first");
            awaitWords(c, a1, LONG_WORDS / 2);
            String a2 = accepted(c, "i-2", s2, LONG + " second");
            assertThat(done(c, a1).path("finishReason").asText()).isEqualTo("CANCELLED");
            awaitWords(c, a2, LONG_WORDS / 2);
            String a3 = accepted(c, "i-3", s2, "third");
            assertThat(done(c, a2).path("finishReason").asText()).isEqualTo("CANCELLED");
            done(c, a3);

            // 3. the model fails the turn on every delivery: it is given up
            String s3 = session(c, "enqueue");
            String f1 = accepted(c, "f-1", s3, FAIL + " please");
            c.await(f -> "TURN_FAILED".equals(f.path("code").asText()) && f1.equals(f.path("turnId").asText()),
                    Duration.ofSeconds(30));

            // 4. parallel sends across new sessions: at most SLOTS run at once
            List<JsonNode> wave = parallelSends(c, "w1-", LONG + " wave");
            List<String> waveTurns = wave.stream().filter(WsClient.type("accepted"))
                    .map(r -> r.path("turnId").asText()).toList();
            assertThat(waveTurns).as("the wave's refusals: %s", wave.stream().map(r -> r.path("message").asText())
                    .distinct().toList()).hasSizeBetween(1, SLOTS);
            assertThat(wave.stream().filter(r -> r.path("message").asText().contains("running already")).count())
                    .isEqualTo(PARALLEL - waveTurns.size());
            waveTurns.forEach(t -> done(c, t));
            quiet();
            assertThat(used(stack, table)).as("the budget is not spent yet").isLessThan(BUDGET);

            // 5. messages queued behind the answer that spends the rest: admitted, but the model is not called
            String s5 = session(c, "enqueue");
            String h = accepted(c, "h-1", s5, HUGE + " once more");
            List<String> queued = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                queued.add(accepted(c, "q-" + i, s5, "queued " + i));
            }
            long exhaustedAt = calls.stream().filter(k -> k.text().contains(HUGE)).findFirst().map(Call::atNanos)
                    .orElseGet(() -> awaitHuge());
            done(c, h);
            for (String q : queued) {
                assertThat(done(c, q).path("finishReason").asText()).isEqualTo("BUDGET_EXHAUSTED");
            }
            quiet();

            // 6. every dodge again, now that the budget is spent: each refused before anything is queued
            List<JsonNode> refused = new ArrayList<>();
            refused.add(c.request(send("n-1", null, "a new session"), "accepted", "error"));
            refused.add(c.request(send("c-2", s1, "more"), "accepted", "error"));
            refused.add(c.request(send("i-4", s2, LONG + " interrupt"), "accepted", "error"));
            refused.add(c.request(send("f-1", s3, FAIL + " please"), "accepted", "error")); // the failed turn again
            refused.addAll(parallelSends(c, "w2-", "wave two"));
            quiet();
            long callsAfter = calls.stream().filter(k -> k.atNanos() > exhaustedAt).count();

            long charged = used(stack, table);
            int chargeItems = chargeItems(stack, table);
            long reported = calls.stream().mapToLong(Call::reported).sum();
            long memoryCalls = calls.stream().filter(Call::memory).count();
            System.out.println(("budget: tokens allowed=%d, tokens charged=%d, tokens the scripted model reported=%d, "
                    + "calls after exhaustion=%d (model calls=%d of them memory=%d, charges=%d, refused after "
                    + "exhaustion=%d of %d)").formatted(BUDGET, charged, reported, callsAfter, calls.size(),
                    memoryCalls, chargeItems, refused.stream().filter(r -> "LIMIT_REACHED".equals(
                            r.path("code").asText())).count(), refused.size()));
            assertThat(callsAfter).as("model calls after the budget was spent").isZero();
            assertThat(refused).allSatisfy(r -> assertThat(r.path("message").asText()).contains("tokens"));
            assertThat(chargeItems).as("every model call charged once").isEqualTo(calls.size());
            assertThat(charged).isGreaterThanOrEqualTo(BUDGET);
            assertThat(memoryCalls).as("memory extraction ran, and was charged").isPositive();
            assertThat(calls.stream().filter(k -> k.text().contains(FAIL)).count())
                    .as("the failed turn's deliveries").isEqualTo(
                            Long.parseLong(stack.environment("WorkerFunction").get(Setting.MAX_RECEIVE_COUNT.name())));
        }
    }

    private long awaitHuge() {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < end) {
            for (Call k : calls) {
                if (k.text().contains(HUGE)) {
                    return k.atNanos();
                }
            }
            sleep(20);
        }
        throw new AssertionError("the model never got the call that spends the budget");
    }

    /** Waits until the model got no request for two seconds (the memory jobs have run). */
    private void quiet() {
        int seen = -1;
        while (seen != calls.size()) {
            seen = calls.size();
            sleep(2_000);
        }
    }

    private static List<JsonNode> parallelSends(WsClient c, String prefix, String text) throws Exception {
        List<JsonNode> replies = new ArrayList<>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<JsonNode>> all = new ArrayList<>();
            for (int i = 0; i < PARALLEL; i++) {
                String id = prefix + i;
                all.add(pool.submit(() -> c.request(send(id, null, text + " " + id), Duration.ofSeconds(30),
                        "accepted", "error")));
            }
            for (Future<JsonNode> f : all) {
                replies.add(f.get());
            }
        }
        return replies;
    }

    private static String session(WsClient c, String busyPolicy) {
        return c.request("{\"action\":\"createSession\",\"model\":\"" + StackFixture.SCRIPTED + "\",\"busyPolicy\":\""
                + busyPolicy + "\"}", "session").path("session").path("sessionId").asText();
    }

    private static String send(String id, String sessionId, String text) {
        return "{\"action\":\"sendMessage\",\"clientMessageId\":\"" + id + "\""
                + (sessionId == null ? "" : ",\"sessionId\":\"" + sessionId + "\"") + ",\"text\":\"" + text + "\"}";
    }

    private static String accepted(WsClient c, String id, String sessionId, String text) {
        JsonNode reply = c.request(send(id, sessionId, text), "accepted", "error");
        assertThat(reply.path("type").asText()).as(reply.toString()).isEqualTo("accepted");
        return reply.path("turnId").asText();
    }

    private static JsonNode done(WsClient c, String turnId) {
        return c.await(WsClient.doneOf(turnId), Duration.ofSeconds(30));
    }

    /** Waits until at least {@code words} words of the turn's answer have streamed to the client. */
    private static void awaitWords(WsClient c, String turnId, int words) {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < end) {
            long streamed = c.ofTurn(turnId).stream().filter(WsClient.type("delta"))
                    .mapToLong(f -> f.path("text").asText().split("word", -1).length - 1).sum();
            if (streamed >= words) {
                return;
            }
            sleep(10);
        }
        throw new AssertionError("fewer than " + words + " words of " + turnId + " streamed");
    }

    private static long used(LocalStack stack, String table) {
        String day = "Q#" + DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC).format(Instant.now());
        Map<String, AttributeValue> item = stack.dynamo().getItem(b -> b.tableName(table).consistentRead(true)
                .key(Map.of("pk", AttributeValue.fromS(USER), "sk", AttributeValue.fromS(day)))).item();
        return item == null || !item.containsKey("tokens") ? 0 : Long.parseLong(item.get("tokens").n());
    }

    private static int chargeItems(LocalStack stack, String table) {
        AtomicLong n = new AtomicLong();
        stack.dynamo().queryPaginator(b -> b.tableName(table).consistentRead(true)
                .keyConditionExpression("pk = :p AND begins_with(sk, :c)")
                .expressionAttributeValues(Map.of(":p", AttributeValue.fromS(USER), ":c", AttributeValue.fromS("C#"))))
                .items().forEach(i -> n.incrementAndGet());
        return (int) n.get();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
