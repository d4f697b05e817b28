package dev.switchboard.turn;


import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import dev.switchboard.agent.AgentFactory;
import dev.switchboard.agent.ModelCatalog;
import dev.switchboard.agent.ModelChoice;
import dev.switchboard.agent.OfflineChatModel;
import dev.switchboard.agent.TurnContext;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.ToolStatus;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.protocol.ClientAction;
import dev.switchboard.protocol.ServerEvent;
import dev.switchboard.tools.AgentTool;
import dev.switchboard.tools.ToolContext;
import dev.switchboard.tools.ToolRegistry;
import dev.switchboard.tools.ToolSet;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Cancelling a turn: the worker polls the session while the model streams, closes the stream, stores what was
 * streamed as cancelled and sends a CANCELLED done; a turn cancelled before it starts is answered empty without the
 * model. The runner runs on its own thread; the cancel is recorded from the test thread.
 */
@Timeout(30)
class TurnRunnerCancelTest extends TurnFixture {
    static final String SESSION = "s-cancel";
    static final String MODEL_NAME = "slow-model";
    static final long POLL_MILLIS = 50;
    /** Generous bound for "stops within one poll interval". */
    static final Duration STOPS_WITHIN = Duration.ofSeconds(1);

    private final ExecutorService worker = Executors.newSingleThreadExecutor();

    TurnRunnerCancelTest() {
        super(SESSION, 1_800_000_000_000L);
    }

    @BeforeEach
    void setUp() {
        connect(ALICE, "a1", "a2");
    }

    @AfterEach
    void stopWorker() {
        worker.shutdownNow();
    }

    // ------------------------------------------------------------------ fakes

    private static final class Handle implements StreamingHandle {
        private volatile boolean cancelled;

        @Override
        public void cancel() {
            cancelled = true;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }
    }

    /**
     * Streams "w0 w1 …" one word per {@code delayMillis} after {@code firstDelayMillis}. Honouring the handle, it stops
     * at the first word after a cancel (without completing); otherwise it streams on regardless. The first call may be
     * scripted to ask for a tool instead.
     */
    static final class SlowModel implements StreamingChatModel {
        private final int words;
        private final long firstDelayMillis;
        private final long delayMillis;
        private final boolean honoursCancel;
        private final ToolExecutionRequest firstCallAsksFor;
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger emitted = new AtomicInteger();
        final AtomicInteger emittedAfterCancel = new AtomicInteger();
        final AtomicBoolean cancelSeen = new AtomicBoolean();
        final AtomicBoolean completed = new AtomicBoolean();
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch ended = new CountDownLatch(1);

        SlowModel(int words, long firstDelayMillis, long delayMillis, boolean honoursCancel,
                  ToolExecutionRequest firstCallAsksFor) {
            this.words = words;
            this.firstDelayMillis = firstDelayMillis;
            this.delayMillis = delayMillis;
            this.honoursCancel = honoursCancel;
            this.firstCallAsksFor = firstCallAsksFor;
        }

        static SlowModel honouring(int words, long delayMillis) {
            return new SlowModel(words, 0, delayMillis, true, null);
        }

        static String fullText(int words) {
            return String.join("", IntStream.range(0, words).mapToObj(i -> "w" + i + " ").toList());
        }

        @Override
        public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
            if (calls.incrementAndGet() == 1 && firstCallAsksFor != null) {
                handler.onCompleteResponse(ChatResponse.builder().aiMessage(AiMessage.from(List.of(firstCallAsksFor)))
                        .finishReason(FinishReason.TOOL_EXECUTION).build());
                return;
            }
            started.countDown();
            Handle handle = new Handle();
            PartialResponseContext context = new PartialResponseContext(handle);
            try {
                Thread.sleep(firstDelayMillis);
                for (int i = 0; i < words; i++) {
                    if (i > 0) {
                        Thread.sleep(delayMillis);
                    }
                    if (handle.isCancelled()) {
                        cancelSeen.set(true);
                        if (honoursCancel) {
                            return;
                        }
                        emittedAfterCancel.incrementAndGet();
                    }
                    handler.onPartialResponse(new PartialResponse("w" + i + " "), context);
                    emitted.incrementAndGet();
                }
                completed.set(true);
                handler.onCompleteResponse(ChatResponse.builder().aiMessage(AiMessage.from(fullText(words)))
                        .tokenUsage(new TokenUsage(3, words)).finishReason(FinishReason.STOP).build());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                handler.onError(e);
            } finally {
                ended.countDown();
            }
        }
    }

    /** Wraps a model to watch its stream: partials passed on, partials after the handle was cancelled, completion. */
    static final class WatchedModel implements StreamingChatModel {
        private final StreamingChatModel delegate;
        final AtomicInteger partials = new AtomicInteger();
        final AtomicInteger partialsAfterCancel = new AtomicInteger();
        final AtomicBoolean completed = new AtomicBoolean();
        final CountDownLatch ended = new CountDownLatch(1);

        WatchedModel(StreamingChatModel delegate) {
            this.delegate = delegate;
        }

        @Override
        public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
            try {
                delegate.chat(request, new StreamingChatResponseHandler() {
                    @Override
                    public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
                        if (context.streamingHandle().isCancelled()) {
                            partialsAfterCancel.incrementAndGet();
                        }
                        partials.incrementAndGet();
                        handler.onPartialResponse(partial, context);
                    }

                    @Override
                    public void onCompleteResponse(ChatResponse response) {
                        completed.set(true);
                        handler.onCompleteResponse(response);
                    }

                    @Override
                    public void onError(Throwable error) {
                        handler.onError(error);
                    }
                });
            } finally {
                ended.countDown();
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    private TurnRunner runner(StreamingChatModel model) {
        return runner(model, ToolSet.NONE);
    }

    private TurnRunner runner(StreamingChatModel model, ToolSet tools) {
        AgentFactory agents = new AgentFactory(ModelCatalog.of(new ModelChoice(model, MODEL_NAME, false)),
                "prompt", tools, TurnContext.Source.NONE);
        return runner(agents, new TurnSettings(20, 0, 256, 3, POLL_MILLIS, 5));
    }

    private CompletableFuture<TurnRunner.Outcome> runInBackground(TurnRunner runner, TurnRequest turn) {
        return CompletableFuture.supplyAsync(() -> runner.run(turn, 1, 60_000), worker);
    }

    /** Waits for the future; asserts it ended within the bound measured from {@code cancelledAtNanos}. */
    private TurnRunner.Outcome outcomeWithinBound(CompletableFuture<TurnRunner.Outcome> run, long cancelledAtNanos)
            throws Exception {
        await().atMost(STOPS_WITHIN.plusMillis(500)).until(run::isDone);
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cancelledAtNanos);
        assertThat(tookMillis).as("ms from the cancel to the end of the turn").isLessThan(STOPS_WITHIN.toMillis());
        return run.get();
    }

    /** The last event is the one done, CANCELLED, counting the deltas sent; deltas are numbered without gaps. */
    private ServerEvent.Done assertEndsWithCancelledDone(String connectionId) {
        List<ServerEvent> events = eventsTo(connectionId);
        assertThat(events).isNotEmpty();
        assertThat(events.stream().filter(ServerEvent.Done.class::isInstance)).hasSize(1);
        ServerEvent last = events.get(events.size() - 1);
        assertThat(last).isInstanceOf(ServerEvent.Done.class);
        ServerEvent.Done done = (ServerEvent.Done) last;
        assertThat(done.finishReason()).isEqualTo("CANCELLED");
        List<ServerEvent.Delta> deltas = deltasTo(connectionId);
        assertThat(done.deltas()).isEqualTo(deltas.size());
        assertThat(deltas).extracting(ServerEvent.Delta::seq)
                .containsExactlyElementsOf(IntStream.range(0, deltas.size()).boxed().toList());
        return done;
    }

    // ------------------------------------------------------------------ tests

    @Test
    void aCancelMidStreamClosesTheStreamAndStoresWhatWasStreamedAsCancelled() throws Exception {
        TurnRequest t = accepted("talk a lot");
        SlowModel model = SlowModel.honouring(200, 20);
        CompletableFuture<TurnRunner.Outcome> run = runInBackground(runner(model), t);
        await().atMost(Duration.ofSeconds(5)).until(() -> deltasTo("a1").size() >= 3);

        long cancelledAt = System.nanoTime();
        assertThat(sessions.cancelUpTo(ALICE, SESSION, t.turnId())).isTrue();

        assertThat(outcomeWithinBound(run, cancelledAt)).isEqualTo(TurnRunner.Outcome.CANCELLED);
        // the model saw its stream closed and stopped without completing
        assertThat(model.ended.await(2, TimeUnit.SECONDS)).as("model stream ended").isTrue();
        assertThat(model.cancelSeen).isTrue();
        assertThat(model.completed).isFalse();
        assertThat(model.emitted.get()).isLessThan(200);

        assertEndsWithCancelledDone("a1");
        assertThat(eventsTo("a2")).isEqualTo(eventsTo("a1"));
        String streamed = text(deltasTo("a1"));
        assertThat(streamed).isNotEmpty().isNotEqualTo(SlowModel.fullText(200));
        assertThat(SlowModel.fullText(200)).startsWith(streamed);
        StoredMessage stored = answer(t);
        assertThat(stored.status()).isEqualTo(StoredMessage.CANCELLED);
        assertThat(stored.text()).isEqualTo(streamed);
        assertThat(stored.model()).isEqualTo(MODEL_NAME);
        assertThat(session().settledTurnId()).isEqualTo(t.turnId());
        assertThat(session().busy()).isFalse();
    }

    @Test
    void theOfflineModelStopsStreamingWhenTheTurnIsCancelled() throws Exception {
        TurnRequest t = accepted("word ".repeat(200).strip());
        WatchedModel model = new WatchedModel(new OfflineChatModel(20));
        CompletableFuture<TurnRunner.Outcome> run = runInBackground(runner(model), t);
        await().atMost(Duration.ofSeconds(5)).until(() -> deltasTo("a1").size() >= 3);

        long cancelledAt = System.nanoTime();
        sessions.cancelUpTo(ALICE, SESSION, t.turnId());

        assertThat(outcomeWithinBound(run, cancelledAt)).isEqualTo(TurnRunner.Outcome.CANCELLED);
        assertThat(model.ended.await(2, TimeUnit.SECONDS)).as("offline stream ended early").isTrue();
        assertThat(model.completed).as("no completion after a cancel").isFalse();
        // at most the one word already on its way when the handle was cancelled
        assertThat(model.partialsAfterCancel.get()).isLessThanOrEqualTo(1);
        assertThat(model.partials.get()).isLessThan(200);
        int framesWhenStopped = gateway.frames.size();

        assertEndsWithCancelledDone("a1");
        assertThat(answer(t).status()).isEqualTo(StoredMessage.CANCELLED);
        assertThat(answer(t).text()).isEqualTo(text(deltasTo("a1"))).startsWith("[offline model");
        assertThat(gateway.frames).hasSize(framesWhenStopped);
    }

    @Test
    void tokensOfAModelThatIgnoresTheCancelNeverReachClientsAfterDone() throws Exception {
        TurnRequest t = accepted("talk");
        SlowModel model = new SlowModel(60, 0, 10, false, null);
        CompletableFuture<TurnRunner.Outcome> run = runInBackground(runner(model), t);
        await().atMost(Duration.ofSeconds(5)).until(() -> deltasTo("a1").size() >= 3);

        long cancelledAt = System.nanoTime();
        sessions.cancelUpTo(ALICE, SESSION, t.turnId());
        assertThat(outcomeWithinBound(run, cancelledAt)).isEqualTo(TurnRunner.Outcome.CANCELLED);
        int framesAtDone = gateway.frames.size();

        assertThat(model.ended.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(model.emittedAfterCancel.get()).as("the model did stream on").isPositive();
        assertThat(gateway.frames).hasSize(framesAtDone);
        assertEndsWithCancelledDone("a1");
        assertThat(answer(t).text()).isEqualTo(text(deltasTo("a1")));
    }

    @Test
    void aCancelBeforeTheFirstTokenStopsTheStreamWhenItStarts() throws Exception {
        TurnRequest t = accepted("slow start");
        SlowModel model = new SlowModel(100, 400, 10, true, null);
        CompletableFuture<TurnRunner.Outcome> run = runInBackground(runner(model), t);
        assertThat(model.started.await(5, TimeUnit.SECONDS)).isTrue();

        long cancelledAt = System.nanoTime();
        sessions.cancelUpTo(ALICE, SESSION, t.turnId());

        assertThat(outcomeWithinBound(run, cancelledAt)).isEqualTo(TurnRunner.Outcome.CANCELLED);
        // the handle is only known with the first partial: the runner closes the stream then
        assertThat(model.ended.await(3, TimeUnit.SECONDS)).isTrue();
        assertThat(model.completed).isFalse();
        assertThat(model.emitted.get()).isLessThanOrEqualTo(1);
        assertThat(deltasTo("a1")).isEmpty();
        assertEndsWithCancelledDone("a1");
        assertThat(answer(t).text()).isEmpty();
        assertThat(answer(t).status()).isEqualTo(StoredMessage.CANCELLED);
    }

    @Test
    void aTurnCancelledBeforeTheWorkerStartsIsStoredEmptyWithoutTheModel() {
        TurnRequest t = accepted("never mind");
        SlowModel model = SlowModel.honouring(5, 0);

        assertThat(control.cancel(ALICE, new ClientAction.Cancel(SESSION, null)))
                .isEqualTo(new ServerEvent.CancelRequested(SESSION, t.turnId()));
        assertThat(runner(model).run(t, 1, 60_000)).isEqualTo(TurnRunner.Outcome.CANCELLED);

        assertThat(model.calls).hasValue(0);
        StoredMessage stored = answer(t);
        assertThat(stored.text()).isEmpty();
        assertThat(stored.status()).isEqualTo(StoredMessage.CANCELLED);
        assertThat(eventsTo("a1")).singleElement().isInstanceOfSatisfying(ServerEvent.Done.class, d -> {
            assertThat(d.finishReason()).isEqualTo("CANCELLED");
            assertThat(d.deltas()).isZero();
            assertThat(d.turnId()).isEqualTo(t.turnId());
        });
        assertThat(session().settledTurnId()).isEqualTo(t.turnId());
        assertThat(session().busy()).isFalse();

        // delivered again: answered already
        assertThat(runner(model).run(t, 2, 60_000)).isEqualTo(TurnRunner.Outcome.ALREADY_ANSWERED);
        assertThat(eventsTo("a1")).hasSize(1);
    }

    @Test
    void aCancelCoversTheQueuedTurnsBeforeItButNotTheNextMessage() {
        TurnRequest t1 = accepted("first");
        TurnRequest t2 = accepted("second");
        assertThat(control.cancel(ALICE, new ClientAction.Cancel(SESSION, t2.turnId())))
                .isEqualTo(new ServerEvent.CancelRequested(SESSION, t2.turnId()));
        TurnRequest t3 = accepted("third");
        SlowModel model = SlowModel.honouring(2, 0);
        TurnRunner runner = runner(model);

        assertThat(runner.run(t1, 1, 60_000)).isEqualTo(TurnRunner.Outcome.CANCELLED);
        assertThat(runner.run(t2, 1, 60_000)).isEqualTo(TurnRunner.Outcome.CANCELLED);
        assertThat(model.calls).hasValue(0);
        assertThat(runner.run(t3, 1, 60_000)).isEqualTo(TurnRunner.Outcome.ANSWERED);

        assertThat(model.calls).hasValue(1);
        assertThat(answer(t3).text()).isEqualTo("w0 w1 ");
        assertThat(answer(t3).status()).isNull();
        assertThat(session().busy()).isFalse();
    }

    @Test
    void aTurnResumedAfterApprovalCanBeCancelledWhileItStreams() throws Exception {
        AgentTool tool = new AgentTool() {
            final ToolSpecification spec = ToolSpecification.builder().name("transfer").description("t").build();

            public ToolSpecification specification() {
                return spec;
            }

            public String execute(ToolContext context, String argumentsJson) {
                return "ok";
            }

            public String origin() {
                return "test";
            }
        };
        ToolRegistry tools = new ToolRegistry(List.of(tool), Set.of(ToolRegistry.ALL), Set.of("transfer"));
        SlowModel model = new SlowModel(200, 0, 20, true,
                ToolExecutionRequest.builder().id("c1").name("transfer").arguments("{}").build());
        TurnRunner runner = runner(model, tools);
        TurnRequest t = accepted("send it");
        assertThat(runner.run(t, 1, 60_000)).isEqualTo(TurnRunner.Outcome.AWAITING_APPROVAL);
        control.decide(ALICE, new ClientAction.DecideTool(SESSION, t.turnId(), "c1", true));
        TurnRequest resume = queue.enqueued.get(0);

        CompletableFuture<TurnRunner.Outcome> run = runInBackground(runner, resume);
        await().atMost(Duration.ofSeconds(5)).until(() -> deltasTo("a1").size() >= 3);

        long cancelledAt = System.nanoTime();
        assertThat(control.cancel(ALICE, new ClientAction.Cancel(SESSION, null)))
                .as("the resumed turn is running again: it can be cancelled")
                .isEqualTo(new ServerEvent.CancelRequested(SESSION, t.turnId()));

        assertThat(outcomeWithinBound(run, cancelledAt)).isEqualTo(TurnRunner.Outcome.CANCELLED);
        assertThat(model.ended.await(2, TimeUnit.SECONDS)).isTrue();
        assertThat(model.completed).isFalse();
        assertEndsWithCancelledDone("a1");
        assertThat(answer(t).status()).isEqualTo(StoredMessage.CANCELLED);
        assertThat(messages.toolCalls(ALICE, SESSION, t.turnId(), t.turnId()))
                .singleElement().extracting(StoredMessage::toolStatus).isEqualTo(ToolStatus.DONE);
    }
}
