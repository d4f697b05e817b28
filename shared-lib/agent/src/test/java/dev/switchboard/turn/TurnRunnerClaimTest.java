package dev.switchboard.turn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.switchboard.agent.AgentFactory;
import dev.switchboard.agent.ModelChoice;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.ResumeRequest;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.RunClaim;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.protocol.ServerEvent;
import dev.switchboard.testing.ClientView;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The session's run claim (at most one live run per session; a dead run's claim lapses at its invocation's end, and
 * the turn is then restarted with clients told to drop what the dead run streamed) and resuming a running turn on a
 * reconnected connection.
 */
class TurnRunnerClaimTest extends TurnFixture {
    private static final String SESSION = "s-1";
    private static final String TURN = "0000000001000-aaaaaaaa";

    private TurnRequest turn;

    TurnRunnerClaimTest() {
        super(SESSION, 5_000_000);
    }

    @BeforeEach
    void setUp() {
        connect(ALICE, "a1");
        messages.putIfAbsent(new StoredMessage(ALICE, SESSION, TURN, Role.USER, "hi", 1_000, null));
        turn = new TurnRequest(ALICE, SESSION, TURN, "c-1", 1_000);
    }

    private TurnRunner runner(StreamingChatModel model) {
        return runner(new AgentFactory(new ModelChoice(model, "m", false), "prompt"),
                new TurnSettings(20, 0, 256, 3, 50, 5));
    }

    private StoredMessage answer() {
        return messages.all().stream().filter(m -> m.role() == Role.ASSISTANT).findFirst().orElse(null);
    }

    /** Streams its tokens, counting calls; optionally waits on a latch after the first {@code pauseAfter} tokens. */
    private static final class Model implements StreamingChatModel {
        final List<String> tokens;
        final int pauseAfter;
        final CountDownLatch paused = new CountDownLatch(1);
        final CountDownLatch go = new CountDownLatch(1);
        final AtomicInteger calls = new AtomicInteger();

        Model(int pauseAfter, String... tokens) {
            this.tokens = List.of(tokens);
            this.pauseAfter = pauseAfter;
        }

        @Override
        public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
            calls.incrementAndGet();
            for (int i = 0; i < tokens.size(); i++) {
                if (i == pauseAfter) {
                    paused.countDown();
                    try {
                        go.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                handler.onPartialResponse(tokens.get(i));
            }
            handler.onCompleteResponse(ChatResponse.builder().aiMessage(AiMessage.from(String.join("", tokens)))
                    .build());
        }
    }

    @Test
    void aDeliveryWhileAnotherRunHoldsTheSessionWaitsAndAcknowledgesItsAnswer() throws Exception {
        // the delivery reads the turn unanswered, then finds the session held: the holder answers and settles while
        // it waits; it must read again after claiming, or it would answer the turn a second time
        assertThat(sessions.claimRun(ALICE, SESSION, TURN, now.get(), now.get() + 60_000).status())
                .isEqualTo(RunClaim.Status.CLAIMED); // the first delivery, still running
        Model model = new Model(-1, "never");
        var pool = Executors.newSingleThreadExecutor();
        try {
            Future<TurnRunner.Outcome> second = pool.submit(() -> runner(model).run(turn, 2, 60_000));
            Thread.sleep(300);
            assertThat(second).as("it waits instead of running the turn a second time at once").isNotDone();
            messages.putIfAbsent(new StoredMessage(ALICE, SESSION, TURN, Role.ASSISTANT, "first run's answer", 2_000,
                    "m"));
            Thread.sleep(200);
            assertThat(second).as("it waits for the run to end, not for its answer alone").isNotDone();
            sessions.settle(ALICE, SESSION, TURN, 2_001); // the first run ends: answer stored, session settled
            assertThat(second.get(5, TimeUnit.SECONDS)).isEqualTo(TurnRunner.Outcome.ALREADY_ANSWERED);
        } finally {
            pool.shutdownNow();
        }
        assertThat(model.calls).hasValue(0);
        assertThat(gateway.frames).isEmpty();
    }

    @Test
    void aWaitThatWouldOutlastTheInvocationGivesUpWithoutFailingTheTurn() {
        sessions.claimRun(ALICE, SESSION, TURN, now.get(), now.get() + 600_000);
        Model model = new Model(-1, "never");
        assertThatThrownBy(() -> runner(model).run(turn, 3, TurnRunner.MIN_MILLIS_TO_START))
                .isInstanceOf(TurnHeldException.class);
        assertThat(model.calls).hasValue(0);
        assertThat(gateway.frames).as("no TURN_FAILED: the live run answers").isEmpty();
    }

    @Test
    void aRunWhoseWorkerDiedIsRestartedOnceItsClaimLapsesAndClientsDropWhatItStreamed() {
        // the dead run: claimed until its invocation's end, streamed two deltas, never finished
        RunClaim dead = sessions.claimRun(ALICE, SESSION, TURN, now.get(), now.get() + 90_000);
        ClientView client = new ClientView();
        client.apply(new ServerEvent.Delta(SESSION, TURN, 0, "Half ", dead.attempt()));
        client.apply(new ServerEvent.Delta(SESSION, TURN, 1, "an answ", dead.attempt()));
        now.addAndGet(90_001); // the redelivery after the visibility timeout: the dead run's claim has lapsed

        Model model = new Model(-1, "A whole ", "new answer.");
        assertThat(runner(model).run(turn, 2, 60_000)).isEqualTo(TurnRunner.Outcome.ANSWERED);

        List<ServerEvent> events = eventsTo("a1");
        assertThat(events.getFirst()).isEqualTo(new ServerEvent.Restart(SESSION, TURN, 0, dead.attempt() + 1));
        events.forEach(client::apply);
        assertThat(client.text()).isEqualTo("A whole new answer.").isEqualTo(answer().text());
        assertThat(client.outOfOrder()).isZero();
        assertThat(answer().stream().attempt()).isEqualTo(dead.attempt() + 1);
        assertThat(model.calls).hasValue(1);
        // the run settled: its claim is gone, the next turn starts without a restart
        RunClaim next = sessions.claimRun(ALICE, SESSION, "0000000002000-bbbbbbbb", now.get(), now.get() + 1);
        assertThat(next.status()).isEqualTo(RunClaim.Status.CLAIMED);
        assertThat(next.restarted()).isFalse();
    }

    @Test
    void aFailedRunReleasesItsClaimSoTheRetryStartsAtOnceAsARestart() {
        StreamingChatModel failing = new StreamingChatModel() {
            @Override
            public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
                handler.onPartialResponse("Partial ");
                handler.onError(new IllegalStateException("model broke"));
            }
        };
        assertThatThrownBy(() -> runner(failing).run(turn, 1, 60_000))
                .isInstanceOf(TurnFailedException.class);

        Model model = new Model(-1, "Complete.");
        assertThat(runner(model).run(turn, 2, 60_000)).isEqualTo(TurnRunner.Outcome.ANSWERED);
        ClientView client = new ClientView();
        eventsTo("a1").forEach(client::apply);
        assertThat(eventsTo("a1")).filteredOn(ServerEvent.Restart.class::isInstance).hasSize(1);
        assertThat(client.text()).isEqualTo("Complete.").isEqualTo(answer().text());
    }

    @Test
    void aReconnectedConnectionGetsWhatItMissedThenTheRestOfTheStream() throws Exception {
        Model model = new Model(2, "One ", "two ", "three ", "four.");
        var pool = Executors.newSingleThreadExecutor();
        try {
            Future<TurnRunner.Outcome> run = pool.submit(() -> runner(model).run(turn, 1, 60_000));
            assertThat(model.paused.await(5, TimeUnit.SECONDS)).isTrue();
            // a1 got deltas 0 and 1; its client dropped after delta 0 and came back as a9
            List<ServerEvent> before = eventsTo("a1");
            assertThat(before).hasSize(2);
            ClientView client = new ClientView();
            client.apply(before.getFirst());
            assertThat(sessions.requestResume(ALICE, SESSION,
                    new ResumeRequest("a9", TURN, client.lastSeq(), client.attempt()))).isTrue();
            Thread.sleep(300); // a few poll intervals: the worker serves the request while the model is paused
            assertThat(eventsTo("a9")).singleElement().isEqualTo(
                    new ServerEvent.Resumed(SESSION, TURN, 1, "two ", 2, "running", 1L, null));
            model.go.countDown();
            assertThat(run.get(5, TimeUnit.SECONDS)).isEqualTo(TurnRunner.Outcome.ANSWERED);
            eventsTo("a9").forEach(client::apply);
            assertThat(client.text()).isEqualTo("One two three four.").isEqualTo(answer().text());
            assertThat(client.done()).isTrue();
            assertThat(client.outOfOrder()).isZero();
            assertThat(eventsTo("a9")).filteredOn(ServerEvent.Resumed.class::isInstance)
                    .as("served once, not on every poll").hasSize(1);
        } finally {
            model.go.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void aResumeRecordedJustBeforeTheTurnSettledIsServedWithDone() {
        // recorded before the worker's last poll could see it: the settle takes it
        Model model = new Model(-1, "Short.");
        sessions.requestResume(ALICE, SESSION, new ResumeRequest("a9", TURN, -1, null));
        assertThat(runner(model).run(turn, 1, 60_000)).isEqualTo(TurnRunner.Outcome.ANSWERED);
        ClientView client = new ClientView();
        eventsTo("a9").forEach(client::apply);
        assertThat(client.text()).isEqualTo("Short.");
        assertThat(client.done()).isTrue();
        assertThat(sessions.get(ALICE, SESSION).orElseThrow().resumes()).isEmpty();
    }
}
