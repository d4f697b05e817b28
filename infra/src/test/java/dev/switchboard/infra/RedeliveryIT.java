package dev.switchboard.infra;

import dev.switchboard.config.Setting;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.adapter.dynamodb.DynamoDbMessageStore;
import dev.switchboard.adapter.dynamodb.DynamoDbSessionStore;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.RunClaim;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.protocol.ProtocolCodec;
import dev.switchboard.protocol.ServerEvent;
import dev.switchboard.domain.Ids;
import dev.switchboard.testing.ClientView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Promises 1 and 2 of docs/reliability.md on the local stack (DynamoDB Local, the WebSocket gateway, the worker
 * function's real composition, the scripted OpenAI-compatible model): the same queue record delivered to the worker
 * again and again, some deliveries at once, yields one model call and one stored and streamed answer; a worker run
 * that stops mid-stream is superseded by the next delivery, and its client ends with exactly the stored answer. The
 * deliveries are made by hand (the worker invoked with a queue event), so their number, timing and the invocation's
 * remaining time are the test's.
 */
class RedeliveryIT {
    private static final Duration TURN = Duration.ofSeconds(40);
    private final LocalStack stack = StackFixture.stack();
    private final ProtocolCodec codec = new ProtocolCodec();
    private final Ids ids = new Ids();
    private final DynamoDbMessageStore messages = new DynamoDbMessageStore(stack.dynamo(),
            stack.environment("WorkerFunction").get(Setting.MESSAGES_TABLE.name()));
    private final DynamoDbSessionStore sessions = new DynamoDbSessionStore(stack.dynamo(),
            stack.environment("WorkerFunction").get(Setting.SESSIONS_TABLE.name()));

    private WsClient connect(String userId) {
        return WsClient.connect(stack.webSocketUrl(), stack.tokens().issue(userId, Duration.ofHours(1)));
    }

    /** A session on the scripted model with a user message stored as the message function stores it, not queued. */
    private TurnRequest storedTurn(WsClient c, String user, String text) {
        JsonNode created = c.request("{\"action\":\"createSession\",\"model\":\"" + StackFixture.SCRIPTED + "\"}",
                "session");
        String session = created.path("session").path("sessionId").asText();
        long now = System.currentTimeMillis();
        String turnId = ids.newTurnId(now);
        messages.putIfAbsent(new StoredMessage(user, session, turnId, Role.USER, text, now, null));
        sessions.markAccepted(user, session, turnId, "c-" + turnId);
        return new TurnRequest(user, session, turnId, "c-" + turnId, now);
    }

    /** One delivery of the turn's queue record to the worker; returns the ids reported as failed. */
    private List<String> deliver(TurnRequest turn, int receiveCount, int timeoutSeconds) {
        SQSEvent.SQSMessage m = new SQSEvent.SQSMessage();
        m.setMessageId("m-" + UUID.randomUUID());
        try {
            m.setBody(codec.mapper().writeValueAsString(turn));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        m.setAttributes(Map.of("MessageGroupId", turn.groupId(), "ApproximateReceiveCount",
                Integer.toString(receiveCount)));
        SQSEvent event = new SQSEvent();
        event.setRecords(List.of(m));
        SQSBatchResponse r = stack.invoke("WorkerFunction", event, timeoutSeconds);
        return r.getBatchItemFailures().stream().map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).toList();
    }

    private List<StoredMessage> answers(TurnRequest t) {
        return messages.recentUpTo(t.userId(), t.sessionId(), t.turnId(), 2).stream()
                .filter(m -> m.role() == Role.ASSISTANT && m.turnId().equals(t.turnId())).toList();
    }

    private long modelCallsAbout(String marker) {
        return StackFixture.model().requests().stream()
                .filter(r -> r.toString().contains(marker) && !r.toString().contains("memory-extraction")
                        && !r.toString().contains(dev.switchboard.turn.SessionTitles.MARKER))
                .count();
    }

    private ClientView view(WsClient c, TurnRequest t) {
        ClientView view = new ClientView();
        for (JsonNode f : c.ofTurn(t.turnId())) {
            view.apply(codec.readEvent(f.toString()));
        }
        return view;
    }

    @Test
    void aThousandDeliveriesOfOneTurnSomeAtOnceYieldOneModelCallAndOneAnswer() throws Exception {
        String user = "redeliver-" + UUID.randomUUID();
        String marker = "redelivery " + UUID.randomUUID();
        try (WsClient c = connect(user)) {
            TurnRequest t = storedTurn(c, user, StackFixture.LONG_ANSWER + " " + marker);
            int total = 1_000;
            int concurrent = 40;
            AtomicInteger failed = new AtomicInteger();
            AtomicInteger delivered = new AtomicInteger();
            try (var pool = Executors.newFixedThreadPool(concurrent)) {
                // the first wave arrives while the first delivery streams the answer; the rest after it is stored
                List<Callable<Void>> wave = new ArrayList<>();
                for (int i = 0; i < concurrent; i++) {
                    int receive = i + 1;
                    wave.add(() -> {
                        failed.addAndGet(deliver(t, receive, 90).size());
                        delivered.incrementAndGet();
                        return null;
                    });
                }
                for (Future<Void> f : pool.invokeAll(wave)) {
                    f.get();
                }
                c.await(WsClient.doneOf(t.turnId()), TURN);
                List<Callable<Void>> after = new ArrayList<>();
                for (int i = concurrent; i < total; i++) {
                    int receive = i + 1;
                    after.add(() -> {
                        failed.addAndGet(deliver(t, receive, 90).size());
                        delivered.incrementAndGet();
                        return null;
                    });
                }
                for (Future<Void> f : pool.invokeAll(after)) {
                    f.get();
                }
            }
            Thread.sleep(500); // frames a stray run would still send
            ClientView view = view(c, t);
            List<StoredMessage> stored = answers(t);
            long doneFrames = c.ofTurn(t.turnId()).stream().filter(WsClient.type("done")).count();
            int lost = stored.isEmpty() || !view.done() ? 1 : 0;
            int duplicated = (int) (Math.max(0, modelCallsAbout(marker) - 1) + Math.max(0, stored.size() - 1)
                    + Math.max(0, doneFrames - 1) + view.outOfOrder());
            int leaked = (int) c.frames.stream().filter(f -> f.has("turnId")
                    && !t.turnId().equals(f.path("turnId").asText())).count();
            System.out.printf("redelivery: runs=%d, lost=%d, duplicated=%d, leaked=%d (%d at once while the "
                    + "answer streamed, %d failed deliveries)%n", delivered.get(), lost, duplicated, leaked,
                    concurrent, failed.get());
            assertThat(delivered).hasValue(total);
            assertThat(modelCallsAbout(marker)).as("model calls").isEqualTo(1);
            assertThat(stored).hasSize(1);
            assertThat(doneFrames).isEqualTo(1);
            assertThat(view.text()).isEqualTo(stored.getFirst().text());
            assertThat(view.outOfOrder()).isZero();
            assertThat(failed).as("no delivery failed: waiting ones acknowledged the stored answer").hasValue(0);
            assertThat(leaked).isZero();
        }
    }

    @Test
    void aWorkerThatStopsMidStreamIsSupersededAndItsClientEndsWithTheStoredAnswer() throws Exception {
        int runs = 6;
        List<Callable<int[]>> all = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            all.add(this::stopMidStreamThenRedeliver);
        }
        int lost = 0;
        int duplicated = 0;
        int leaked = 0;
        try (var pool = Executors.newFixedThreadPool(runs)) {
            for (Future<int[]> f : pool.invokeAll(all)) {
                int[] r = f.get();
                lost += r[0];
                duplicated += r[1];
                leaked += r[2];
            }
        }
        System.out.printf("worker-dies: runs=%d, lost=%d, duplicated=%d, leaked=%d%n", runs, lost, duplicated, leaked);
        assertThat(lost).isZero();
        assertThat(duplicated).isZero();
        assertThat(leaked).isZero();
    }

    /** @return lost, duplicated, leaked of one run */
    private int[] stopMidStreamThenRedeliver() {
        String user = "dies-" + UUID.randomUUID();
        int words = ThreadLocalRandom.current().nextInt(1, 40);
        String marker = "[stall-first:" + words + "] " + UUID.randomUUID();
        try (WsClient c = connect(user)) {
            TurnRequest t = storedTurn(c, user, marker);
            // the first run streams some words and stops; its invocation ends (8 s: it gives up after 3 s)
            List<String> first = deliver(t, 1, 8);
            assertThat(first).as("the cut-short run is retried").hasSize(1);
            List<JsonNode> partial = c.ofTurn(t.turnId());
            assertThat(partial).as("the client saw part of an answer").isNotEmpty();
            // the queue delivers it again after the visibility timeout
            assertThat(deliver(t, 2, 90)).isEmpty();
            c.await(WsClient.doneOf(t.turnId()), TURN);
            ClientView view = view(c, t);
            List<StoredMessage> stored = answers(t);
            assertThat(c.ofTurn(t.turnId()).stream().filter(WsClient.type("restart")).count()).isEqualTo(1);
            boolean same = stored.size() == 1 && view.text().equals(stored.getFirst().text());
            long done = c.ofTurn(t.turnId()).stream().filter(WsClient.type("done")).count();
            int leaked = (int) c.frames.stream().filter(f -> f.has("turnId")
                    && !t.turnId().equals(f.path("turnId").asText())).count();
            return new int[] {same ? 0 : 1, view.outOfOrder() + (int) Math.max(0, done - 1)
                    + Math.max(0, stored.size() - 1), leaked};
        }
    }

    @Test
    void aDeadWorkersClaimHoldsTheTurnUntilItLapsesThenTheTurnRunsOnce() {
        String user = "lapse-" + UUID.randomUUID();
        String marker = "lapse " + UUID.randomUUID();
        try (WsClient c = connect(user)) {
            TurnRequest t = storedTurn(c, user, marker);
            // a worker claimed the turn for 3 s and died: nothing releases its claim
            long now = System.currentTimeMillis();
            RunClaim dead = sessions.claimRun(user, t.sessionId(), t.turnId(), now, now + 3_000);
            assertThat(dead.status()).isEqualTo(RunClaim.Status.CLAIMED);

            long started = System.nanoTime();
            assertThat(deliver(t, 2, 90)).isEmpty();
            long waited = (System.nanoTime() - started) / 1_000_000;

            assertThat(waited).as("ms the delivery waited for the dead claim").isGreaterThanOrEqualTo(2_000);
            c.await(WsClient.doneOf(t.turnId()), TURN);
            assertThat(answers(t)).hasSize(1);
            assertThat(modelCallsAbout(marker)).isEqualTo(1);
            ServerEvent first = codec.readEvent(c.ofTurn(t.turnId()).getFirst().toString());
            assertThat(first).isEqualTo(new ServerEvent.Restart(t.sessionId(), t.turnId(), 0, dead.attempt() + 1));
        }
    }
}
