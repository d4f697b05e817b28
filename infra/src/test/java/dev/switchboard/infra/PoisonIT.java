package dev.switchboard.infra;

import dev.switchboard.port.DeadLetters;
import dev.switchboard.config.Setting;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Reliability scenario "poison": {@value #SESSIONS} sessions, one user each, send {@value #MESSAGES} messages each
 * (offline model, each sent when the previous one is done), twice without and twice with a poison turn in flight: a
 * message for which the (scripted) model fails every call, so its turn fails on every delivery. The poison's owner
 * sends a new poison message each time the previous one is given up, so one is in flight for the whole run. Every
 * poison turn ends in the dead-letter queue and its owner gets {@code TURN_FAILED} for it; every other turn is answered
 * once, in order, to its owner only; the other sessions' send-to-done latency (client clock) is compared between the
 * runs. Prints {@code poison: runs, lost, duplicated, leaked} with p50 and p99 with and without the poison turn and
 * the p99 ratio.
 * <p>
 * The promise is p99 within 10 % of the clean run; the assertion is looser ({@value #MAX_P99_RATIO}) because
 * wall-clock figures on a shared 2-core machine vary more than that between two runs even without a poison turn.
 */
class PoisonIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SESSIONS = 10;
    /** Per session and run; each condition runs twice (clean, poison, poison, clean: drift cancels out). */
    private static final int MESSAGES = 10;
    private static final double MAX_P99_RATIO = 2.0;

    /** One run: the other sessions' send-to-done latencies, and the poison turns given up meanwhile. */
    private record Run(List<Long> latencyMillis, List<String> poisonTurns) {
        Run plus(Run other) {
            return new Run(concat(latencyMillis, other.latencyMillis), concat(poisonTurns, other.poisonTurns));
        }

        private static <T> List<T> concat(List<T> a, List<T> b) {
            List<T> all = new ArrayList<>(a);
            all.addAll(b);
            return List.copyOf(all);
        }

        /** Nearest rank. */
        long percentile(double p) {
            List<Long> sorted = latencyMillis.stream().sorted().toList();
            return sorted.get((int) Math.ceil(p * sorted.size()) - 1);
        }
    }

    @Test
    void aPoisonTurnIsDeadLetteredWithTurnFailedWhileOtherSessionsKeepTheirLatency() throws Exception {
        LocalStack stack = StackFixture.stack();
        ScenarioFigures figures = new ScenarioFigures();
        // a run of the same size first, unmeasured: the JIT and the connection pools warm up before the measured runs
        run(stack, false, figures);
        List<Run> runs = new ArrayList<>();
        for (boolean withPoison : new boolean[] {false, true, true, false}) {
            runs.add(run(stack, withPoison, figures));
        }
        Run clean = runs.get(0).plus(runs.get(3));
        Run poisoned = runs.get(1).plus(runs.get(2));

        Map<String, Integer> deadLettered = deadLettered(stack, poisoned.poisonTurns());
        int maxReceives = Integer.parseInt(stack.environment("WorkerFunction").get(Setting.MAX_RECEIVE_COUNT.name()));
        double ratio = (double) poisoned.percentile(0.99) / clean.percentile(0.99);
        System.out.println(figures.line("poison", ("%d poison turns, each with TURN_FAILED, %d dead-lettered "
                + "(receives when given up %s, the worker's MAX_RECEIVE_COUNT %d); other sessions' send-to-done (%d turns each): "
                + "clean p50=%d ms p99=%d ms, with poison p50=%d ms p99=%d ms, p99 ratio=%.2f; p99 of the runs in "
                + "order (clean, poison, poison, clean): %s ms").formatted(poisoned.poisonTurns().size(),
                deadLettered.size(), deadLettered.values().stream().distinct().sorted().toList(), maxReceives,
                clean.latencyMillis().size(), clean.percentile(0.5), clean.percentile(0.99),
                poisoned.percentile(0.5), poisoned.percentile(0.99), ratio,
                runs.stream().map(r -> r.percentile(0.99)).toList())));
        figures.assertClean();
        assertThat(poisoned.poisonTurns()).isNotEmpty();
        assertThat(deadLettered.keySet()).containsExactlyInAnyOrderElementsOf(poisoned.poisonTurns());
        assertThat(deadLettered.values()).allSatisfy(receives -> assertThat(receives).isGreaterThanOrEqualTo(
                maxReceives));
        assertThat(ratio).as("p99 with a poison turn in flight / p99 without").isLessThan(MAX_P99_RATIO);
    }

    /**
     * Runs {@link #SESSIONS} sessions of {@link #MESSAGES} turns each, with a poison turn in flight if asked; counts
     * their figures and returns the latencies.
     */
    private static Run run(LocalStack stack, boolean withPoison, ScenarioFigures figures) throws Exception {
        awaitQueueDrained(stack);
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<WsClient> clients = new ArrayList<>();
        List<String> sessionIds = new ArrayList<>();
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        List<String> poisonTurns = List.of();
        try {
            for (int s = 0; s < SESSIONS; s++) {
                clients.add(connect(stack, "other-" + run + "-" + s));
                sessionIds.add(createSession(clients.get(s), StackFixture.OFFLINE));
            }
            WsClient poisonOwner = withPoison ? connect(stack, "poison-" + run) : null;
            if (poisonOwner != null) {
                clients.add(poisonOwner);
            }
            AtomicBoolean othersDone = new AtomicBoolean();
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                Future<List<String>> poison = withPoison ? pool.submit(() -> poisonLoop(poisonOwner, othersDone))
                        : null;
                List<Future<?>> others = new ArrayList<>();
                for (int s = 0; s < SESSIONS; s++) {
                    WsClient c = clients.get(s);
                    String sessionId = sessionIds.get(s);
                    others.add(pool.submit(() -> {
                        for (int i = 0; i < MESSAGES; i++) {
                            long sent = System.nanoTime();
                            JsonNode accepted = c.request("{\"action\":\"sendMessage\",\"clientMessageId\":\"p-" + i
                                    + "\",\"sessionId\":\"" + sessionId + "\",\"text\":\"" + text(i) + "\"}",
                                    "accepted");
                            JsonNode done = c.await(WsClient.doneOf(accepted.path("turnId").asText()),
                                    Duration.ofSeconds(60));
                            latencies.add((c.arrivedAt(done) - sent) / 1_000_000);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : others) {
                    f.get();
                }
                othersDone.set(true);
                if (poison != null) {
                    poisonTurns = poison.get();
                }
            }
            List<String> sent = IntStream.range(0, MESSAGES).mapToObj(PoisonIT::text).toList();
            for (int s = 0; s < SESSIONS; s++) {
                figures.countSession(clients.get(s), sessionIds.get(s), sent,
                        ScenarioFigures.history(clients.get(s), sessionIds.get(s)));
            }
            return new Run(List.copyOf(latencies), poisonTurns);
        } finally {
            clients.forEach(WsClient::close);
        }
    }

    /**
     * Keeps a poison turn in flight until the other sessions are done: sends one, waits for its {@code TURN_FAILED}
     * (the turn given up after the queue's last receive), sends the next. @return the poison turns
     */
    private static List<String> poisonLoop(WsClient owner, AtomicBoolean othersDone) {
        String sessionId = createSession(owner, StackFixture.SCRIPTED);
        List<String> turns = new ArrayList<>();
        do {
            JsonNode accepted = owner.request("{\"action\":\"sendMessage\",\"clientMessageId\":\"poison-"
                    + turns.size() + "\",\"sessionId\":\"" + sessionId + "\",\"text\":\"" + StackFixture.POISON
                    + " message " + turns.size() + "\"}", "accepted");
            String turnId = accepted.path("turnId").asText();
            owner.await(turnFailed(turnId), Duration.ofSeconds(60));
            turns.add(turnId);
        } while (!othersDone.get());
        assertThat(owner.frames.stream().filter(WsClient.type("done"))).as("answers to poison turns").isEmpty();
        return turns;
    }

    private static Predicate<JsonNode> turnFailed(String turnId) {
        return f -> "error".equals(f.path("type").asText()) && "TURN_FAILED".equals(f.path("code").asText())
                && turnId.equals(f.path("turnId").asText());
    }

    /** The {@code turnIds} seen in the dead-letter queue, each with its receive count; waits up to 30 s for all. */
    private static Map<String, Integer> deadLettered(LocalStack stack, List<String> turnIds)
            throws InterruptedException {
        String dlq = stack.queueUrl("TurnsDeadLetterQueue");
        Map<String, Integer> seen = new HashMap<>();
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!seen.keySet().containsAll(turnIds) && System.nanoTime() < end) {
            for (Message m : stack.sqs().receiveMessage(b -> b.queueUrl(dlq).maxNumberOfMessages(10)
                    .waitTimeSeconds(1).messageAttributeNames(DeadLetters.RECEIVES_ATTRIBUTE)).messages()) {
                String turnId = turnIdOf(m.body());
                if (turnIds.contains(turnId)) {
                    // the worker moves a turn it gave up itself, with the receives it had
                    seen.putIfAbsent(turnId, Integer.parseInt(m.messageAttributes().get(DeadLetters.RECEIVES_ATTRIBUTE)
                            .stringValue()));
                }
            }
        }
        return seen;
    }

    /** Waits (up to 30 s) until the turns queue is empty: no earlier run's jobs or retries run during this one. */
    private static void awaitQueueDrained(LocalStack stack) throws InterruptedException {
        String queue = stack.queueUrl("TurnsQueue");
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < end) {
            var attributes = stack.sqs().getQueueAttributes(b -> b.queueUrl(queue).attributeNames(
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
            if (attributes.values().stream().allMatch("0"::equals)) {
                return;
            }
            Thread.sleep(200);
        }
    }

    private static String turnIdOf(String body) {
        try {
            return JSON.readTree(body).path("turnId").asText();
        } catch (java.io.IOException e) {
            return ""; // another test's record that is not a turn
        }
    }

    private static WsClient connect(LocalStack stack, String user) {
        return WsClient.connect(stack.webSocketUrl(), stack.tokens().issue(user, Duration.ofHours(1)));
    }

    private static String createSession(WsClient client, String model) {
        return client.request("{\"action\":\"createSession\",\"model\":\"" + model + "\"}", "session")
                .path("session").path("sessionId").asText();
    }

    private static String text(int i) {
        return "message " + i;
    }
}
