package dev.switchboard.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.switchboard.agent.AgentFactory;
import dev.switchboard.agent.ModelChoice;
import dev.switchboard.agent.OfflineChatModel;
import dev.switchboard.config.Env;
import dev.switchboard.config.Setting;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.Connection;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.Session;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.knowledge.MiniLmEmbedder;
import dev.switchboard.port.Clock;
import dev.switchboard.protocol.ProtocolCodec;
import dev.switchboard.protocol.ServerEvent;
import dev.switchboard.runtime.PerInvocation;
import dev.switchboard.testing.CracFixtures;
import dev.switchboard.testing.LocalSecretsManager;
import dev.switchboard.testing.LogLines;
import dev.switchboard.testing.EventFixtures;
import dev.switchboard.testing.InMemoryConnectionStore;
import dev.switchboard.testing.InMemoryMessageStore;
import dev.switchboard.testing.InMemorySessionStore;
import dev.switchboard.testing.RecordingGateway;
import dev.switchboard.turn.TurnBatch;
import dev.switchboard.turn.TurnRunner;
import dev.switchboard.turn.TurnSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerHandlerTest {
    private static final String USER = "user-alice";
    // near the wall clock: connections whose TTL has passed are not listed
    private static final long NOW = System.currentTimeMillis() / 1000 * 1000;

    private final ProtocolCodec codec = new ProtocolCodec();
    private final InMemoryMessageStore messages = new InMemoryMessageStore();
    private final InMemorySessionStore sessions = new InMemorySessionStore();
    private final InMemoryConnectionStore connections = new InMemoryConnectionStore();
    private final RecordingGateway gateway = new RecordingGateway();
    private final AtomicInteger modelCalls = new AtomicInteger();

    /** The offline echo, except that a user message containing FAIL makes the model report an error. */
    private final StreamingChatModel model = new StreamingChatModel() {
        private final OfflineChatModel echo = new OfflineChatModel(0);

        @Override
        public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
            modelCalls.incrementAndGet();
            var last = request.messages().get(request.messages().size() - 1);
            if (last instanceof UserMessage u && u.singleText().contains("FAIL")) {
                handler.onError(new IllegalStateException("model is down"));
                return;
            }
            echo.doChat(request, handler);
        }
    };

    private final WorkerHandler handler = new WorkerHandler(new TurnBatch(new TurnRunner(messages, sessions,
            connections, gateway, new AgentFactory(new ModelChoice(model, OfflineChatModel.NAME, true), "Be brief."),
            codec, Clock.SYSTEM, new TurnSettings(20, 0, 2048, 3)), codec.mapper()));

    @TempDir
    Path tmp;

    // ------------------------------------------------------------------ helpers

    private void seedTurn(String sessionId, String turnId, String text) {
        sessions.createIfAbsent(new Session(USER, sessionId, "t", NOW, NOW));
        messages.putIfAbsent(new StoredMessage(USER, sessionId, turnId, Role.USER, text, NOW, null));
    }

    private String body(String sessionId, String turnId) throws JsonProcessingException {
        return codec.mapper().writeValueAsString(new TurnRequest(USER, sessionId, turnId, "c-" + turnId, NOW));
    }

    private static SQSEvent.SQSMessage record(String messageId, String group, String body) {
        var m = new SQSEvent.SQSMessage();
        m.setMessageId(messageId);
        m.setBody(body);
        m.setAttributes(Map.of("MessageGroupId", group, "ApproximateReceiveCount", "1"));
        m.setEventSource("aws:sqs");
        return m;
    }

    private static SQSEvent sqs(SQSEvent.SQSMessage... records) {
        var e = new SQSEvent();
        e.setRecords(List.of(records));
        return e;
    }

    private static List<String> failures(SQSBatchResponse r) {
        return r.getBatchItemFailures() == null ? List.of()
                : r.getBatchItemFailures().stream().map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).toList();
    }

    private Optional<StoredMessage> answer(String sessionId, String turnId) {
        return messages.all().stream()
                .filter(m -> m.sessionId().equals(sessionId) && m.turnId().equals(turnId) && m.role() == Role.ASSISTANT)
                .findFirst();
    }

    private List<ServerEvent> eventsTo(String connectionId) {
        List<ServerEvent> out = new ArrayList<>();
        for (String f : gateway.framesTo(connectionId)) {
            out.add(codec.readEvent(f));
        }
        return out;
    }

    // ------------------------------------------------------------------ batches

    @Test
    void aFailedTurnFailsItsLaterGroupRecordsButNotOtherGroups() throws Exception {
        seedTurn("s-A", "0000000000001-00000001", "please FAIL now");
        seedTurn("s-A", "0000000000002-00000002", "second in A");
        seedTurn("s-B", "0000000000001-00000003", "first in B");
        seedTurn("s-B", "0000000000002-00000004", "second in B");

        SQSBatchResponse r = handler.handleRequest(sqs(
                record("m-A1", "s-A", body("s-A", "0000000000001-00000001")),
                record("m-B1", "s-B", body("s-B", "0000000000001-00000003")),
                record("m-A2", "s-A", body("s-A", "0000000000002-00000002")),
                record("m-B2", "s-B", body("s-B", "0000000000002-00000004"))), null);

        assertThat(failures(r)).containsExactly("m-A1", "m-A2");
        assertThat(answer("s-A", "0000000000001-00000001")).isEmpty();
        assertThat(answer("s-A", "0000000000002-00000002")).as("a later turn of a failed session must wait").isEmpty();
        assertThat(answer("s-B", "0000000000001-00000003")).isPresent();
        assertThat(answer("s-B", "0000000000002-00000004")).isPresent();
        assertThat(modelCalls.get()).as("the skipped record of group A never reaches the model").isEqualTo(3);
    }

    @Test
    void aBodyThatIsNotJsonFailsOnlyItsOwnGroup() throws Exception {
        seedTurn("s-B", "0000000000001-00000003", "first in B");
        seedTurn("s-C", "0000000000002-00000005", "second in C");

        SQSBatchResponse r = handler.handleRequest(sqs(
                record("m-C1", "s-C", "{not json"),
                record("m-B1", "s-B", body("s-B", "0000000000001-00000003")),
                record("m-C2", "s-C", body("s-C", "0000000000002-00000005"))), null);

        assertThat(failures(r)).containsExactly("m-C1", "m-C2");
        assertThat(answer("s-B", "0000000000001-00000003")).isPresent();
        assertThat(answer("s-C", "0000000000002-00000005")).isEmpty();
    }

    @Test
    void aSuccessfulBatchReportsNoFailuresAndStreamsToTheOwner() throws Exception {
        seedTurn("s-A", "0000000000001-00000001", "hello world");
        connections.put(new Connection(USER, "conn-A1", NOW, NOW / 1000 + 7200));
        connections.put(new Connection("user-bob", "conn-B1", NOW, NOW / 1000 + 7200));

        SQSBatchResponse r = handler.handleRequest(sqs(record("m-1", "s-A", body("s-A", "0000000000001-00000001"))),
                null);

        assertThat(failures(r)).isEmpty();
        assertThat(answer("s-A", "0000000000001-00000001")).get().extracting(StoredMessage::text).asString()
                .contains("hello world");
        List<ServerEvent> events = eventsTo("conn-A1");
        assertThat(events).isNotEmpty();
        assertThat(events.get(events.size() - 1)).isInstanceOf(ServerEvent.Done.class);
        assertThat(events.subList(0, events.size() - 1)).allMatch(ServerEvent.Delta.class::isInstance);
        assertThat(gateway.framesTo("conn-B1")).isEmpty();
    }

    // ------------------------------------------------------------------ CRaC hooks and contract

    @Test
    void theLambdaEntryPointRegistersTheHandlerWithTheGlobalCracContext() {
        WorkerHandler built = new WorkerHandler(CracFixtures.offlineEnv());

        CracFixtures.assertRegisteredWithTheGlobalContext(built);
    }

    @Test
    void theApiKeyComesFromSecretsManagerAtInitAndAgainAfterARestore() {
        String arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:switchboard/openai-Wk1";
        try (var secretsManager = new LocalSecretsManager(); var logs = LogLines.capture()) {
            String value = "sk-worker-key-" + java.util.UUID.randomUUID();
            secretsManager.put(arn, value);
            Map<String, String> vars = new java.util.HashMap<>(CracFixtures.offlineEnv().asMap());
            vars.put(Setting.MODELS.name(), "openai:gpt-test");
            WorkerHandler built = new WorkerHandler(secretsManager.envReading(new Env(vars),
                    Setting.OPENAI_API_KEY, Setting.OPENAI_API_KEY_SECRET_ARN, arn));
            try {
                assertThat(secretsManager.reads(arn)).as("read at init").isEqualTo(1);
                built.afterRestore(null);
                assertThat(secretsManager.reads(arn)).as("read again after a restore").isEqualTo(2);
            } finally {
                built.close();
            }
            assertThat(logs.lines()).noneMatch(l -> l.contains(value));
        }
    }

    @Test
    void cracHooksRunTwiceAndLeaveNoStateBehind() throws Exception {
        CracFixtures.assertHooksRepeatable(handler);

        assertThat(messages.writes.get()).isZero();
        assertThat(messages.all()).isEmpty();
        assertThat(sessions.writes.get()).isZero();
        assertThat(connections.writes.get()).isZero();
        assertThat(gateway.frames).isEmpty();
        assertThat(modelCalls.get()).as("priming finds no turn and never calls the model").isZero();

        // and the next real turn is answered as usual
        seedTurn("s-A", "0000000000001-00000001", "after restore");
        connections.put(new Connection(USER, "conn-A1", NOW, NOW / 1000 + 7200));
        SQSBatchResponse r = handler.handleRequest(sqs(record("m-1", "s-A", body("s-A", "0000000000001-00000001"))),
                null);
        assertThat(failures(r)).isEmpty();
        assertThat(answer("s-A", "0000000000001-00000001")).isPresent();
        assertThat(modelCalls.get()).isEqualTo(1);
        assertThat(eventsTo("conn-A1")).last().isInstanceOf(ServerEvent.Done.class);
    }

    @Test
    void declaresRequiredEnvAsPublicStaticListOfStrings() {
        EventFixtures.assertRequiredEnv(WorkerHandler.class,
                "CONNECTIONS_TABLE", "SESSIONS_TABLE", "MESSAGES_TABLE", "CALLBACK_URL");
    }

    // ------------------------------------------------------------------ composition root

    @Test
    void aPerInvocationCompositionLoadsItsOwnEmbeddingModelWhichCloseReleasesUnlikeTheSharedOne() {
        // nothing is called at build time: the endpoints need not answer
        Env env = new Env(Map.ofEntries(
                Map.entry("CONNECTIONS_TABLE", "Connections"),
                Map.entry("SESSIONS_TABLE", "Sessions"),
                Map.entry("MESSAGES_TABLE", "Messages"),
                Map.entry("USER_DATA_TABLE", "UserData"),
                Map.entry("CALLBACK_URL", "http://127.0.0.1:9/local"),
                Map.entry("TURNS_QUEUE_URL", "http://127.0.0.1:9/queue/turns.fifo"),
                Map.entry("USER_DATA_QUEUE_URL", "http://127.0.0.1:9/queue/user-data.fifo"),
                Map.entry("DEAD_LETTER_QUEUE_URL", "http://127.0.0.1:9/queue/turns-dead.fifo"),
                Map.entry("DYNAMODB_ENDPOINT", "http://127.0.0.1:9"),
                Map.entry("SQS_ENDPOINT", "http://127.0.0.1:9"),
                Map.entry("AWS_REGION", "us-east-1")));
        WorkerHandler.Composition sharing = WorkerHandler.compose(env);
        WorkerHandler.Composition alone = WorkerHandler.compose(env.withExtra(PerInvocation.class, new PerInvocation()));
        MiniLmEmbedder shared = embedderOf(sharing);
        MiniLmEmbedder own = embedderOf(alone);
        assertThat(own.embed("hello")).hasSize(MiniLmEmbedder.DIMENSIONS);

        new WorkerHandler(alone).close();
        new WorkerHandler(sharing).close();

        assertThatThrownBy(() -> own.embed("hello")).as("the per-invocation handler's own model is released")
                .isInstanceOf(RuntimeException.class);
        assertThat(shared.embed("hello")).as("the process-wide model stays loaded").hasSize(MiniLmEmbedder.DIMENSIONS);
    }

    private static MiniLmEmbedder embedderOf(WorkerHandler.Composition c) {
        return c.resources().stream().filter(MiniLmEmbedder.class::isInstance).map(MiniLmEmbedder.class::cast)
                .findFirst().orElseThrow();
    }

    // ------------------------------------------------------------------ events/

    @Test
    void sampleEventWorkerTurnIsAnswered() {
        String sessionId = "s-events-0001";
        String turnId = "0000000000001-aaaaaaaa";
        seedTurn(sessionId, turnId, "Hello, Switchboard");
        connections.put(new Connection(USER, "conn-A1", NOW, NOW / 1000 + 7200));
        SQSEvent e = EventLoader.loadSQSEvent(EventFixtures.prepare("worker-turn.json", tmp,
                Map.of("${SESSION_ID}", sessionId, "${TOKEN}", "unused")));

        SQSBatchResponse r = handler.handleRequest(e, null);

        assertThat(failures(r)).isEmpty();
        assertThat(answer(sessionId, turnId)).get().satisfies(m -> {
            assertThat(m.text()).contains("Hello, Switchboard");
            assertThat(m.model()).isEqualTo(OfflineChatModel.NAME);
        });
        List<ServerEvent> events = eventsTo("conn-A1");
        assertThat(events).last().isInstanceOfSatisfying(ServerEvent.Done.class, d -> {
            assertThat(d.sessionId()).isEqualTo(sessionId);
            assertThat(d.turnId()).isEqualTo(turnId);
            assertThat(d.deltas()).isEqualTo(events.size() - 1);
        });
    }

    /** Priming that throws at publish time (here: nothing answers, or a step has nothing to work on) is logged; the hook goes on. */
    @Test
    void aPrimingStepThatThrowsDoesNotFailTheCheckpointHook() {
        WorkerHandler primed = new WorkerHandler(CracFixtures.offlineEnv());
        org.assertj.core.api.Assertions.assertThat(primed.prime(null)).as("priming steps that failed").isPositive();
        org.assertj.core.api.Assertions.assertThatCode(() -> primed.beforeCheckpoint(null)).doesNotThrowAnyException();
    }
}
