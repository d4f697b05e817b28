package dev.switchboard.turn;

import dev.switchboard.usecase.ModelListing;
import dev.langchain4j.data.message.ChatMessage;
import dev.switchboard.usecase.SessionControl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
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
import dev.switchboard.agent.TurnContext;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.ToolCall;
import dev.switchboard.domain.ToolStatus;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.protocol.ClientAction;
import dev.switchboard.protocol.ServerEvent;
import dev.switchboard.testing.InMemoryMessageStore;
import dev.switchboard.testing.InMemorySessionStore;
import dev.switchboard.testing.RecordingTurnQueue;
import dev.switchboard.tools.AgentTool;
import dev.switchboard.tools.ToolContext;
import dev.switchboard.tools.ToolException;
import dev.switchboard.tools.ToolRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Tool calls inside a turn: calls run and streamed, calls paused for approval and resumed, denied calls, calls a dead
 * worker left running, unknown tools and failing tools. The model is scripted per call; the tools count their runs.
 */
@Timeout(30)
class TurnRunnerToolsTest extends TurnFixture {
    static final String PROMPT = "You are a test assistant.";
    static final String MODEL_NAME = "scripted-tools";
    static final String SESSION = "s-tools";

    private RecordingTool lookup;
    private RecordingTool transfer;
    private RecordingTool broken;
    private RecordingTool crashing;

    TurnRunnerToolsTest() {
        super(SESSION, 1_800_000_000_000L);
    }

    @BeforeEach
    void setUp() {
        connect(ALICE, "a1", "a2");
        connect(BOB, "b1");

        lookup = new RecordingTool("lookup", args -> "found " + args);
        transfer = new RecordingTool("transfer", args -> "transferred " + args);
        broken = new RecordingTool("broken", args -> {
            throw new ToolException("amount must be positive");
        });
        crashing = new RecordingTool("crashing", args -> {
            throw new IllegalStateException("bug in the tool");
        });
    }

    // ------------------------------------------------------------------ fakes

    /** A tool that records every run (who for, with which arguments) and answers with {@code behaviour}. */
    static final class RecordingTool implements AgentTool {
        private final ToolSpecification spec;
        private final Function<String, String> behaviour;
        final AtomicInteger executions = new AtomicInteger();
        final List<ToolContext> contexts = new CopyOnWriteArrayList<>();
        final List<String> arguments = new CopyOnWriteArrayList<>();

        RecordingTool(String name, Function<String, String> behaviour) {
            this.spec = ToolSpecification.builder().name(name).description("test tool " + name).build();
            this.behaviour = behaviour;
        }

        @Override
        public ToolSpecification specification() {
            return spec;
        }

        @Override
        public String execute(ToolContext context, String argumentsJson) {
            executions.incrementAndGet();
            contexts.add(context);
            arguments.add(argumentsJson);
            return behaviour.apply(argumentsJson);
        }

        @Override
        public String origin() {
            return "test";
        }
    }

    /** One scripted model call: tokens streamed, then either tool calls or (none) the final answer. */
    record Round(List<String> tokens, List<ToolExecutionRequest> calls) {
        static Round text(String... tokens) {
            return new Round(List.of(tokens), List.of());
        }

        static Round tools(List<String> tokens, ToolExecutionRequest... calls) {
            return new Round(tokens, List.of(calls));
        }

        /** Streams {@code tokens}, then nothing more (the call never completes: the deadline comes first). */
        static Round hanging(String... tokens) {
            return new Round(List.of(tokens), null);
        }
    }

    /**
     * A streaming model scripted by call number; records each call's messages (copied at call time) and tool
     * specifications. A call without a script entry fails with onError.
     */
    static final class ToolScriptModel implements StreamingChatModel {
        private final IntFunction<Round> script;
        final List<List<ChatMessage>> conversations = new CopyOnWriteArrayList<>();
        final List<List<String>> offeredTools = new CopyOnWriteArrayList<>();

        ToolScriptModel(IntFunction<Round> script) {
            this.script = script;
        }

        static ToolScriptModel of(Round... rounds) {
            return new ToolScriptModel(i -> i < rounds.length ? rounds[i] : null);
        }

        int calls() {
            return conversations.size();
        }

        List<ChatMessage> lastConversation() {
            return conversations.get(conversations.size() - 1);
        }

        @Override
        public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
            int n = conversations.size();
            conversations.add(List.copyOf(request.messages()));
            offeredTools.add(request.toolSpecifications() == null ? List.of()
                    : request.toolSpecifications().stream().map(ToolSpecification::name).toList());
            Round round = script.apply(n);
            if (round == null) {
                handler.onError(new IllegalStateException("no scripted round " + n));
                return;
            }
            StreamingHandle handle = new StreamingHandle() {
                volatile boolean cancelled;

                public void cancel() {
                    cancelled = true;
                }

                public boolean isCancelled() {
                    return cancelled;
                }
            };
            for (String t : round.tokens()) {
                handler.onPartialResponse(new PartialResponse(t), new PartialResponseContext(handle));
            }
            if (round.calls() == null) {
                return;
            }
            String text = String.join("", round.tokens());
            AiMessage ai = round.calls().isEmpty() ? AiMessage.from(text)
                    : text.isEmpty() ? AiMessage.from(round.calls()) : AiMessage.from(text, round.calls());
            handler.onCompleteResponse(ChatResponse.builder()
                    .aiMessage(ai)
                    .tokenUsage(new TokenUsage(7, round.tokens().size()))
                    .finishReason(round.calls().isEmpty() ? FinishReason.STOP : FinishReason.TOOL_EXECUTION)
                    .build());
        }
    }

    static ToolExecutionRequest call(String id, String name, String arguments) {
        return ToolExecutionRequest.builder().id(id).name(name).arguments(arguments).build();
    }

    // ------------------------------------------------------------------ helpers

    private TurnRunner runner(StreamingChatModel model) {
        return runner(model, 5);
    }

    private TurnRunner runner(StreamingChatModel model, int maxToolRounds) {
        return runner(agents(model), new TurnSettings(20, 0, 256, 3, 50, maxToolRounds));
    }

    private AgentFactory agents(StreamingChatModel model) {
        ToolRegistry tools = new ToolRegistry(List.of(lookup, transfer, broken, crashing), Set.of(ToolRegistry.ALL),
                Set.of("transfer"));
        return new AgentFactory(ModelCatalog.of(new ModelChoice(model, MODEL_NAME, false)), PROMPT, tools,
                TurnContext.Source.NONE);
    }

    /** The events one connection got, one line each, in order. */
    private List<String> trace(String connectionId) {
        List<String> out = new ArrayList<>();
        for (ServerEvent e : eventsTo(connectionId)) {
            out.add(switch (e) {
                case ServerEvent.Delta d -> "delta " + d.seq() + " " + d.text();
                case ServerEvent.ToolCallEvent c -> "toolCall " + c.toolCallId() + " " + c.name() + " " + c.arguments();
                case ServerEvent.ToolResult r -> "toolResult " + r.toolCallId() + " " + r.name() + " " + r.status()
                        + " " + r.result();
                case ServerEvent.ApprovalRequired a -> "approvalRequired " + a.toolCallId() + " " + a.name() + " "
                        + a.arguments();
                case ServerEvent.Done d -> "done " + d.finishReason() + " " + d.deltas();
                default -> e.toString();
            });
        }
        return out;
    }

    private List<StoredMessage> steps(TurnRequest t) {
        return messages.toolCalls(ALICE, SESSION, t.turnId(), t.turnId());
    }

    private StoredMessage step(TurnRequest t, String toolCallId) {
        return steps(t).stream().filter(s -> s.tool().toolCallId().equals(toolCallId)).findFirst().orElseThrow();
    }

    private TurnRequest onlyResumeIn(RecordingTurnQueue q, TurnRequest t) {
        assertThat(q.enqueued).hasSize(1);
        TurnRequest resume = q.enqueued.get(0);
        assertThat(resume.kind()).isEqualTo(TurnRequest.Kind.RESUME);
        assertThat(resume.userId()).isEqualTo(ALICE);
        assertThat(resume.sessionId()).isEqualTo(SESSION);
        assertThat(resume.turnId()).isEqualTo(t.turnId());
        return resume;
    }

    private static ToolExecutionResultMessage resultIn(List<ChatMessage> conversation,
                                                       String toolCallId) {
        return conversation.stream().filter(ToolExecutionResultMessage.class::isInstance)
                .map(ToolExecutionResultMessage.class::cast)
                .filter(r -> r.id().equals(toolCallId)).findFirst().orElseThrow();
    }

    // ------------------------------------------------------------------ tests

    @Test
    void aToolWithoutApprovalRunsOnceAndIsStreamedBeforeTheAnswer() {
        TurnRequest t = accepted("what is x?");
        ToolScriptModel model = ToolScriptModel.of(
                Round.tools(List.of("Let me look. "), call("c1", "lookup", "{\"q\":\"x\"}")),
                Round.text("Found ", "it."));

        assertThat(runner(model).run(t, 1, 60_000)).isEqualTo(TurnRunner.Outcome.ANSWERED);

        assertThat(lookup.executions).hasValue(1);
        assertThat(trace("a1")).containsExactly(
                "delta 0 Let me look. ",
                "toolCall c1 lookup {\"q\":\"x\"}",
                "toolResult c1 lookup done found {\"q\":\"x\"}",
                "delta 1 Found ",
                "delta 2 it.",
                "done STOP 3");
        assertThat(trace("a2")).isEqualTo(trace("a1"));
        assertThat(gateway.framesTo("b1")).isEmpty();

        StoredMessage stored = step(t, "c1");
        assertThat(stored.role()).isEqualTo(Role.TOOL);
        assertThat(stored.toolStatus()).isEqualTo(ToolStatus.DONE);
        assertThat(stored.text()).isEqualTo("found {\"q\":\"x\"}");
        assertThat(stored.tool()).isEqualTo(new ToolCall(0, "c1", "lookup", "{\"q\":\"x\"}", "Let me look. ", 1));
        assertThat(answer(t).text()).isEqualTo("Let me look. Found it.");
        assertThat(answer(t).status()).isNull();
        assertThat(session().busy()).isFalse();
        assertThat(session().settledTurnId()).isEqualTo(t.turnId());

        // the second call sees the tool round: the model's request and the tool's result
        assertThat(model.calls()).isEqualTo(2);
        var second = model.conversations.get(1);
        assertThat(second).hasSize(4);
        assertThat(second.get(0)).isInstanceOf(SystemMessage.class);
        assertThat(second.get(1)).isInstanceOfSatisfying(UserMessage.class,
                u -> assertThat(u.singleText()).isEqualTo("what is x?"));
        assertThat(second.get(2)).isInstanceOfSatisfying(AiMessage.class, a -> {
            assertThat(a.text()).isEqualTo("Let me look. ");
            assertThat(a.toolExecutionRequests()).extracting(ToolExecutionRequest::id).containsExactly("c1");
        });
        assertThat(second.get(3)).isEqualTo(ToolExecutionResultMessage.from("c1", "lookup", "found {\"q\":\"x\"}"));
        assertThat(model.offeredTools.get(0)).containsExactly("lookup", "transfer", "broken", "crashing");
    }

    @Test
    void aToolRunsForTheTurnsUserWhateverTheArgumentsSay() {
        TurnRequest t = accepted("show bob's notes");
        ToolScriptModel model = ToolScriptModel.of(
                Round.tools(List.of(), call("c1", "lookup", "{\"userId\":\"bob\"}")),
                Round.text("Here."));

        runner(model).run(t, 1, 60_000);

        assertThat(lookup.contexts).containsExactly(new ToolContext(ALICE, SESSION, t.turnId()));
        assertThat(lookup.arguments).containsExactly("{\"userId\":\"bob\"}");
        assertThat(gateway.framesTo("b1")).isEmpty();
    }

    @Test
    void aToolNeedingApprovalPausesTheTurnWithoutRunningIt() {
        TurnRequest t = accepted("send 5 to bob");
        ToolScriptModel model = ToolScriptModel.of(
                Round.tools(List.of("I will transfer. "), call("c7", "transfer", "{\"amount\":5}")),
                Round.text("Transferred."));

        assertThat(runner(model).run(t, 1, 60_000)).isEqualTo(TurnRunner.Outcome.AWAITING_APPROVAL);

        assertThat(transfer.executions).hasValue(0);
        assertThat(trace("a1")).containsExactly(
                "delta 0 I will transfer. ",
                "approvalRequired c7 transfer {\"amount\":5}");
        assertThat(trace("a2")).isEqualTo(trace("a1"));
        assertThat(step(t, "c7").toolStatus()).isEqualTo(ToolStatus.PENDING);
        assertThat(answer(t)).isNull();
        assertThat(session().settledTurnId()).isEqualTo(t.turnId());
        assertThat(session().busy()).isFalse();
        assertThat(model.calls()).isEqualTo(1);
        assertThat(queue.enqueued).as("the runner does not resume by itself").isEmpty();

        // a redelivery while the user has not decided is acknowledged without the model or the tool
        assertThat(runner(model).run(t, 2, 60_000)).isEqualTo(TurnRunner.Outcome.AWAITING_APPROVAL);
        assertThat(model.calls()).isEqualTo(1);
        assertThat(transfer.executions).hasValue(0);
        assertThat(trace("a1")).hasSize(2);
    }

    @Test
    void anApprovedCallRunsOnceOnResumeAndTheTurnIsAnswered() {
        TurnRequest t = accepted("send 5 to bob");
        ToolScriptModel model = ToolScriptModel.of(
                Round.tools(List.of("I will transfer. "), call("c7", "transfer", "{\"amount\":5}")),
                Round.text("Transferred."));
        TurnRunner runner = runner(model);
        runner.run(t, 1, 60_000);

        ServerEvent decision = control.decide(ALICE, new ClientAction.DecideTool(SESSION, t.turnId(), "c7", true));

        assertThat(decision).isEqualTo(new ServerEvent.ToolDecision(SESSION, t.turnId(), "c7", ToolStatus.APPROVED.wire()));
        assertThat(step(t, "c7").toolStatus()).isEqualTo(ToolStatus.APPROVED);
        assertThat(transfer.executions).as("approving does not run the tool").hasValue(0);
        TurnRequest resume = onlyResumeIn(queue, t);

        assertThat(runner.run(resume, 1, 60_000)).isEqualTo(TurnRunner.Outcome.ANSWERED);

        assertThat(transfer.executions).hasValue(1);
        assertThat(transfer.contexts).containsExactly(new ToolContext(ALICE, SESSION, t.turnId()));
        assertThat(trace("a1")).containsExactly(
                "delta 0 I will transfer. ",
                "approvalRequired c7 transfer {\"amount\":5}",
                "toolResult c7 transfer done transferred {\"amount\":5}",
                "delta 1 Transferred.",
                "done STOP 2");
        assertThat(trace("a2")).isEqualTo(trace("a1"));
        assertThat(step(t, "c7").toolStatus()).isEqualTo(ToolStatus.DONE);
        assertThat(step(t, "c7").text()).isEqualTo("transferred {\"amount\":5}");
        assertThat(answer(t).text()).isEqualTo("I will transfer. Transferred.");
        assertThat(session().settledTurnId()).isEqualTo(t.turnId());

        // the resumed call sees the conversation rebuilt from the stored steps
        var resumed = model.lastConversation();
        assertThat(resumed.get(resumed.size() - 2)).isInstanceOfSatisfying(AiMessage.class, a -> {
            assertThat(a.text()).isEqualTo("I will transfer. ");
            assertThat(a.toolExecutionRequests()).containsExactly(call("c7", "transfer", "{\"amount\":5}"));
        });
        assertThat(resumed.get(resumed.size() - 1))
                .isEqualTo(ToolExecutionResultMessage.from("c7", "transfer", "transferred {\"amount\":5}"));

        // the resume delivered again: answered already, nothing runs or is sent again
        int frames = gateway.frames.size();
        assertThat(runner.run(resume, 2, 60_000)).isEqualTo(TurnRunner.Outcome.ALREADY_ANSWERED);
        assertThat(transfer.executions).hasValue(1);
        assertThat(model.calls()).isEqualTo(2);
        assertThat(gateway.frames).hasSize(frames);
    }

    @Test
    void aResumeRetriedAfterTheModelFailedDoesNotRunTheToolAgain() {
        TurnRequest t = accepted("send 5 to bob");
        AtomicInteger secondCalls = new AtomicInteger();
        ToolScriptModel model = new ToolScriptModel(i -> switch (i) {
            case 0 -> Round.tools(List.of(), call("c7", "transfer", "{\"amount\":5}"));
            case 1 -> null; // the model fails after the tool ran: the resume is delivered again
            default -> {
                secondCalls.incrementAndGet();
                yield Round.text("Transferred.");
            }
        });
        TurnRunner runner = runner(model);
        runner.run(t, 1, 60_000);
        control.decide(ALICE, new ClientAction.DecideTool(SESSION, t.turnId(), "c7", true));
        TurnRequest resume = onlyResumeIn(queue, t);

        assertThatThrownBy(() -> runner.run(resume, 1, 60_000)).isInstanceOf(TurnFailedException.class);
        assertThat(transfer.executions).hasValue(1);
        assertThat(step(t, "c7").toolStatus()).isEqualTo(ToolStatus.DONE);

        assertThat(runner.run(resume, 2, 60_000)).isEqualTo(TurnRunner.Outcome.ANSWERED);

        assertThat(transfer.executions).as("the stored result is reused").hasValue(1);
        assertThat(secondCalls).hasValue(1);
        assertThat(resultIn(model.lastConversation(), "c7").text()).isEqualTo("transferred {\"amount\":5}");
        assertThat(trace("a1").stream().filter(l -> l.startsWith("toolResult c7"))).hasSize(1);
        assertThat(answer(t).text()).isEqualTo("Transferred.");
    }

    @Test
    void aCallClaimedByAnotherDeliveryIsNeverRunByThisOne() {
        TurnRequest t = accepted("send 5 to bob");
        ToolScriptModel model = ToolScriptModel.of(
                Round.tools(List.of(), call("c7", "transfer", "{\"amount\":5}")),
                Round.text("Transferred."));
        TurnRunner runner = runner(model);
        runner.run(t, 1, 60_000);
        control.decide(ALICE, new ClientAction.DecideTool(SESSION, t.turnId(), "c7", true));
        TurnRequest resume = onlyResumeIn(queue, t);
        // another delivery claimed the call first (approved -> running) and is still running it
        StoredMessage approved = step(t, "c7");
        assertThat(messages.transition(approved.withStatus(ToolStatus.RUNNING, ""), ToolStatus.APPROVED)).isTrue();

        // this delivery sees a call left running: its outcome is unknown, it is never run a second time
        assertThat(runner.run(resume, 2, 60_000)).isEqualTo(TurnRunner.Outcome.ANSWERED);
        assertThat(transfer.executions).hasValue(0);
        assertThat(step(t, "c7").toolStatus()).isEqualTo(ToolStatus.FAILED);
    }

    @Test
    void twoDeliveriesOfTheSameResumeAtOnceRunTheApprovedCallOnce() throws Exception {
        // the session's run claim keeps two deliveries apart; should two ever both hold one (clocks of two instances
        // apart by more than the claim's margin), the call's own compare-and-set still runs it once: here the claim
        // is made to let both through, and both read the approved call before either claims it
        InMemorySessionStore plain = sessions;
        sessions = new InMemorySessionStore() {
            @Override
            public dev.switchboard.domain.RunClaim claimRun(String userId, String sessionId, String turnId,
                                                            long nowMillis, long untilMillis) {
                return super.claimRun(userId, sessionId, turnId, Long.MAX_VALUE - 1, untilMillis);
            }
        };
        sessions.createIfAbsent(plain.get(ALICE, SESSION).orElseThrow());
        java.util.concurrent.CyclicBarrier bothRead = new java.util.concurrent.CyclicBarrier(2);
        java.util.concurrent.atomic.AtomicBoolean gate = new java.util.concurrent.atomic.AtomicBoolean();
        messages = new InMemoryMessageStore() {
            @Override
            public List<StoredMessage> toolCalls(String userId, String sessionId, String fromTurnId, String toTurnId) {
                List<StoredMessage> read = super.toolCalls(userId, sessionId, fromTurnId, toTurnId);
                if (gate.get()) {
                    try {
                        bothRead.await(5, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
                return read;
            }
        };
        control = new SessionControl(sessions, messages, queue, ModelListing.offline(), now::get);
        TurnRequest t = accepted("send 5 to bob");
        ToolScriptModel model = ToolScriptModel.of(
                Round.tools(List.of(), call("c7", "transfer", "{\"amount\":5}")),
                Round.text("Transferred."),
                Round.text("Transferred twice?"));
        TurnRunner runner = runner(model);
        runner.run(t, 1, 60_000);
        control.decide(ALICE, new ClientAction.DecideTool(SESSION, t.turnId(), "c7", true));
        TurnRequest resume = onlyResumeIn(queue, t);
        gate.set(true);

        var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            var first = pool.submit(() -> runner.run(resume, 1, 60_000));
            var second = pool.submit(() -> runner.run(resume, 2, 60_000));
            List<Object> results = new ArrayList<>();
            for (var f : List.of(first, second)) {
                try {
                    results.add(f.get(10, java.util.concurrent.TimeUnit.SECONDS));
                } catch (java.util.concurrent.ExecutionException e) {
                    results.add(e.getCause());
                }
            }

            assertThat(transfer.executions).hasValue(1);
            assertThat(results).filteredOn(TurnRunner.Outcome.ANSWERED::equals).hasSize(1);
            assertThat(results).filteredOn(TurnFailedException.class::isInstance).singleElement()
                    .satisfies(e -> assertThat(((Throwable) e).getMessage()).contains("claimed by another delivery"));
        } finally {
            gate.set(false);
            pool.shutdownNow();
        }
        assertThat(step(t, "c7").toolStatus()).isEqualTo(ToolStatus.DONE);
        assertThat(answer(t).text()).isEqualTo("Transferred.");
        assertThat(trace("a1").stream().filter(l -> l.startsWith("done "))).hasSize(1);
    }

    @Test
    void aDeniedCallNeverRunsAndTheModelIsToldItWasDenied() {
        TurnRequest t = accepted("send 5 to bob");
        ToolScriptModel model = ToolScriptModel.of(
                Round.tools(List.of("I will transfer. "), call("c7", "transfer", "{\"amount\":5}")),
                Round.text("OK, ", "not transferring."));
        TurnRunner runner = runner(model);
        runner.run(t, 1, 60_000);

        ServerEvent decision = control.decide(ALICE, new ClientAction.DecideTool(SESSION, t.turnId(), "c7", false));

        assertThat(decision).isEqualTo(new ServerEvent.ToolDecision(SESSION, t.turnId(), "c7", ToolStatus.DENIED.wire()));
        assertThat(step(t, "c7").toolStatus()).isEqualTo(ToolStatus.DENIED);
        assertThat(step(t, "c7").text()).isEqualTo(ToolCall.DENIED_RESULT);
        TurnRequest resume = onlyResumeIn(queue, t);

        assertThat(runner.run(resume, 1, 60_000)).isEqualTo(TurnRunner.Outcome.ANSWERED);

        assertThat(transfer.executions).hasValue(0);
        assertThat(trace("a1")).containsExactly(
                "delta 0 I will transfer. ",
                "approvalRequired c7 transfer {\"amount\":5}",
                "toolResult c7 transfer denied " + ToolCall.DENIED_RESULT,
                "delta 1 OK, ",
                "delta 2 not transferring.",
                "done STOP 3");
        assertThat(resultIn(model.lastConversation(), "c7"))
                .isEqualTo(ToolExecutionResultMessage.from("c7", "transfer", ToolCall.DENIED_RESULT));
        assertThat(step(t, "c7").toolStatus()).isEqualTo(ToolStatus.DENIED);
        assertThat(answer(t).text()).isEqualTo("I will transfer. OK, not transferring.");
    }

    @Test
    void aCallThatNeedsNoApprovalRunsAtOnceWhileItsNeighbourWaits() {
        TurnRequest t = accepted("look up x and send 5");
        ToolScriptModel model = ToolScriptModel.of(
                Round.tools(List.of(), call("c1", "lookup", "{}"), call("c2", "transfer", "{\"amount\":5}")),
                Round.text("Done."));
        TurnRunner runner = runner(model);

        assertThat(runner.run(t, 1, 60_000)).isEqualTo(TurnRunner.Outcome.AWAITING_APPROVAL);
        assertThat(lookup.executions).hasValue(1);
        assertThat(transfer.executions).hasValue(0);
        assertThat(trace("a1")).containsExactly(
                "toolCall c1 lookup {}",
                "toolResult c1 lookup done found {}",
                "approvalRequired c2 transfer {\"amount\":5}");

        control.decide(ALICE, new ClientAction.DecideTool(SESSION, t.turnId(), "c2", true));
        assertThat(runner.run(onlyResumeIn(queue, t), 1, 60_000)).isEqualTo(TurnRunner.Outcome.ANSWERED);

        assertThat(lookup.executions).as("the call that ran before the pause is not run again").hasValue(1);
        assertThat(transfer.executions).hasValue(1);
        assertThat(trace("a1")).containsExactly(
                "toolCall c1 lookup {}",
                "toolResult c1 lookup done found {}",
                "approvalRequired c2 transfer {\"amount\":5}",
                "toolResult c2 transfer done transferred {\"amount\":5}",
                "delta 0 Done.",
                "done STOP 1");
        var last = model.lastConversation();
        assertThat(last.subList(last.size() - 3, last.size())).containsExactly(
                AiMessage.from(List.of(call("c1", "lookup", "{}"), call("c2", "transfer", "{\"amount\":5}"))),
                ToolExecutionResultMessage.from("c1", "lookup", "found {}"),
                ToolExecutionResultMessage.from("c2", "transfer", "transferred {\"amount\":5}"));
    }

    @Test
    void aSecondPauseInALaterRoundResumesAndReportsEachDecisionOnce() {
        TurnRequest t = accepted("send money twice");
        ToolScriptModel model = ToolScriptModel.of(
                Round.tools(List.of(), call("c1", "transfer", "{\"amount\":500}")),
                Round.tools(List.of(), call("c2", "transfer", "{\"amount\":5}")),
                Round.text("Sent 5."));
        TurnRunner runner = runner(model);

        assertThat(runner.run(t, 1, 60_000)).isEqualTo(TurnRunner.Outcome.AWAITING_APPROVAL);
        control.decide(ALICE, new ClientAction.DecideTool(SESSION, t.turnId(), "c1", false));
        TurnRequest firstResume = onlyResumeIn(queue, t);
        assertThat(runner.run(firstResume, 1, 60_000)).isEqualTo(TurnRunner.Outcome.AWAITING_APPROVAL);
        queue.enqueued.clear();
        control.decide(ALICE, new ClientAction.DecideTool(SESSION, t.turnId(), "c2", true));
        TurnRequest secondResume = onlyResumeIn(queue, t);
        assertThat(secondResume.deduplicationId()).as("each pause resumes once, under its own id")
                .isNotEqualTo(firstResume.deduplicationId());

        assertThat(runner.run(secondResume, 1, 60_000)).isEqualTo(TurnRunner.Outcome.ANSWERED);

        assertThat(transfer.executions).hasValue(1);
        assertThat(transfer.arguments).containsExactly("{\"amount\":5}");
        assertThat(trace("a1")).containsExactly(
                "approvalRequired c1 transfer {\"amount\":500}",
                "toolResult c1 transfer denied " + ToolCall.DENIED_RESULT,
                "approvalRequired c2 transfer {\"amount\":5}",
                "toolResult c2 transfer done transferred {\"amount\":5}",
                "delta 0 Sent 5.",
                "done STOP 1");
        assertThat(steps(t)).extracting(s -> s.tool().step(), StoredMessage::toolStatus).containsExactly(
                org.assertj.core.groups.Tuple.tuple(0, ToolStatus.DENIED),
                org.assertj.core.groups.Tuple.tuple(100, ToolStatus.DONE));
        // the last call sees both rounds, in order
        var last = model.lastConversation();
        assertThat(last.stream().filter(ToolExecutionResultMessage.class::isInstance)
                .map(m -> ((ToolExecutionResultMessage) m).id())).containsExactly("c1", "c2");
    }

    @Test
    void aCallADeadWorkerLeftRunningIsFailedAsUnknownAndNotRunAgain() {
        TurnRequest t = accepted("what is x?");
        // the first delivery streamed one delta, stored the call as running, and died while the tool ran
        messages.putIfAbsent(StoredMessage.toolCall(ALICE, SESSION, t.turnId(), "", now.get(),
                ToolStatus.RUNNING, new ToolCall(0, "c3", "lookup", "{\"q\":\"x\"}", "Checking. ", 1)));
        ToolScriptModel model = ToolScriptModel.of(Round.text("Sorry, ", "unknown."));

        assertThat(runner(model).run(t, 2, 60_000)).isEqualTo(TurnRunner.Outcome.ANSWERED);

        assertThat(lookup.executions).hasValue(0);
        StoredMessage failed = step(t, "c3");
        assertThat(failed.toolStatus()).isEqualTo(ToolStatus.FAILED);
        assertThat(failed.text()).isEqualTo(ToolRounds.UNKNOWN_RESULT);
        assertThat(trace("a1")).containsExactly(
                "toolResult c3 lookup failed " + ToolRounds.UNKNOWN_RESULT,
                "delta 1 Sorry, ",
                "delta 2 unknown.",
                "done STOP 3");
        assertThat(resultIn(model.lastConversation(), "c3").text()).isEqualTo(ToolRounds.UNKNOWN_RESULT);
        assertThat(answer(t).text()).isEqualTo("Checking. Sorry, unknown.");
    }

    @Test
    void anUnknownToolNameGivesTheModelAFailedResult() {
        TurnRequest t = accepted("launch");
        ToolScriptModel model = ToolScriptModel.of(
                Round.tools(List.of(), call("c1", "launch_rockets", "{}")),
                Round.text("Cannot."));

        assertThat(runner(model).run(t, 1, 60_000)).isEqualTo(TurnRunner.Outcome.ANSWERED);

        String expected = "No tool named 'launch_rockets' is available.";
        assertThat(trace("a1")).containsExactly(
                "toolCall c1 launch_rockets {}",
                "toolResult c1 launch_rockets failed " + expected,
                "delta 0 Cannot.",
                "done STOP 1");
        assertThat(step(t, "c1").toolStatus()).isEqualTo(ToolStatus.FAILED);
        assertThat(step(t, "c1").text()).isEqualTo(expected);
        assertThat(resultIn(model.lastConversation(), "c1").text()).isEqualTo(expected);
        assertThat(lookup.executions.get() + transfer.executions.get() + broken.executions.get()).isZero();
    }

    @Test
    void aFailingToolGivesTheModelAFailedResultAndTheTurnGoesOn() {
        TurnRequest t = accepted("pay -1");
        ToolScriptModel model = ToolScriptModel.of(
                Round.tools(List.of(), call("c1", "broken", "{\"amount\":-1}"), call("c2", "crashing", "{}")),
                Round.text("That failed."));

        assertThat(runner(model).run(t, 1, 60_000)).isEqualTo(TurnRunner.Outcome.ANSWERED);

        assertThat(broken.executions).hasValue(1);
        assertThat(crashing.executions).hasValue(1);
        assertThat(trace("a1")).containsExactly(
                "toolCall c1 broken {\"amount\":-1}",
                "toolResult c1 broken failed Error: amount must be positive",
                "toolCall c2 crashing {}",
                "toolResult c2 crashing failed Error: the tool failed (IllegalStateException)",
                "delta 0 That failed.",
                "done STOP 1");
        assertThat(steps(t)).extracting(StoredMessage::toolStatus).containsExactly(ToolStatus.FAILED, ToolStatus.FAILED);
        assertThat(resultIn(model.lastConversation(), "c1").text()).isEqualTo("Error: amount must be positive");
        assertThat(resultIn(model.lastConversation(), "c2").text())
                .isEqualTo("Error: the tool failed (IllegalStateException)")
                .doesNotContain("bug in the tool");
        assertThat(answer(t).text()).isEqualTo("That failed.");
    }

    @Test
    void aCallWithoutAUsableIdOrArgumentsGetsStoredDefaults() {
        TurnRequest t = accepted("x");
        ToolScriptModel model = ToolScriptModel.of(
                Round.tools(List.of(), ToolExecutionRequest.builder().id("bad id with spaces").name("lookup")
                        .arguments("").build()),
                Round.text("ok"));

        runner(model).run(t, 1, 60_000);

        StoredMessage s = steps(t).get(0);
        assertThat(s.tool().toolCallId()).isEqualTo("call-0");
        assertThat(s.tool().arguments()).isEqualTo("{}");
        assertThat(lookup.arguments).containsExactly("{}");
        assertThat(resultIn(model.lastConversation(), "call-0").text()).isEqualTo("found {}");
    }

    @Test
    void afterTheLastToolRoundTheModelIsCalledWithoutTools() {
        TurnRequest t = accepted("loop");
        AtomicInteger n = new AtomicInteger();
        ToolScriptModel model = new ToolScriptModel(i -> i < 2
                ? Round.tools(List.of(), call("c" + n.incrementAndGet(), "lookup", "{}"))
                : Round.text("Enough."));

        assertThat(runner(model, 2).run(t, 1, 60_000)).isEqualTo(TurnRunner.Outcome.ANSWERED);

        assertThat(lookup.executions).hasValue(2);
        assertThat(model.offeredTools).hasSize(3);
        assertThat(model.offeredTools.get(0)).isNotEmpty();
        assertThat(model.offeredTools.get(1)).isNotEmpty();
        assertThat(model.offeredTools.get(2)).isEmpty();
        assertThat(answer(t).text()).isEqualTo("Enough.");
    }

    @Test
    void aModelThatKeepsCallingToolsIsStoppedAfterTheLastToolRound() {
        TurnRequest t = accepted("loop forever");
        AtomicInteger n = new AtomicInteger();
        // a model that asks for a tool on every call, even when it was offered none
        ToolScriptModel model = new ToolScriptModel(i -> Round.tools(List.of("again "),
                call("c" + n.incrementAndGet(), "lookup", "{}")));

        assertThat(runner(model, 2).run(t, 1, 60_000)).isEqualTo(TurnRunner.Outcome.ANSWERED);

        assertThat(lookup.executions).hasValue(2);
        assertThat(model.calls()).isEqualTo(3);
        assertThat(steps(t)).hasSize(2);
        assertThat(answer(t).text()).as("what the three calls streamed").isEqualTo("again again again ");
        List<String> trace = trace("a1");
        assertThat(trace.get(trace.size() - 1)).startsWith("done ");
        assertThat(trace).noneMatch(l -> l.startsWith("toolCall c3"));
    }

    // ------------------------------------------------------------------ hand-offs in tool rounds

    /** A lookup tool that takes {@code millis} of the turn's clock. */
    private void slowLookup(long millis) {
        lookup = new RecordingTool("lookup", args -> {
            now.addAndGet(millis);
            return "found " + args;
        });
    }

    @Test
    void aToolCallWithoutTimeLeftInTheInvocationIsHandedOnAndTheNextRunsEachCallOnce() {
        // 60 s left: the model and tools get 55 s; a call starts only with half of that left
        slowLookup(20_000);
        TurnRequest t = accepted("find three");
        ToolScriptModel model = ToolScriptModel.of(
                Round.tools(List.of("Looking. "), call("c1", "lookup", "{\"q\":1}"), call("c2", "lookup", "{\"q\":2}"),
                        call("c3", "lookup", "{\"q\":3}")),
                Round.text("All ", "found."));

        assertThatThrownBy(() -> runner(model).run(t, 1, 60_000)).isInstanceOf(TurnHandedOffException.class);

        assertThat(lookup.executions).as("c1 and c2 ran; 15 s left is too little for c3").hasValue(2);
        assertThat(step(t, "c3").toolStatus()).as("left for the next invocation").isEqualTo(ToolStatus.APPROVED);
        var checkpoint = messages.checkpoint(ALICE, SESSION, t.turnId()).orElseThrow();
        assertThat(checkpoint.text()).isEqualTo("Looking. ");
        assertThat(checkpoint.handoffs()).isEqualTo(1);
        assertThat(answer(t)).isNull();
        assertThat(model.calls()).isEqualTo(1);

        assertThat(runner(model).run(t, 2, 60_000)).isEqualTo(TurnRunner.Outcome.ANSWERED);

        assertThat(lookup.executions).as("c3 ran once, in the next invocation").hasValue(3);
        assertThat(lookup.arguments).containsExactly("{\"q\":1}", "{\"q\":2}", "{\"q\":3}");
        assertThat(trace("a1")).containsExactly(
                "delta 0 Looking. ",
                "toolCall c1 lookup {\"q\":1}",
                "toolResult c1 lookup done found {\"q\":1}",
                "toolCall c2 lookup {\"q\":2}",
                "toolResult c2 lookup done found {\"q\":2}",
                "toolCall c3 lookup {\"q\":3}",
                "toolResult c3 lookup done found {\"q\":3}",
                "delta 1 All ",
                "delta 2 found.",
                "done STOP 3");
        assertThat(steps(t)).extracting(StoredMessage::toolStatus).containsOnly(ToolStatus.DONE);
        var second = model.lastConversation();
        assertThat(second.stream().filter(ToolExecutionResultMessage.class::isInstance)
                .map(m -> ((ToolExecutionResultMessage) m).id())).containsExactly("c1", "c2", "c3");
        assertThat(second.getLast()).as("nothing to continue: the round's text went with its calls")
                .isInstanceOf(ToolExecutionResultMessage.class);
        assertThat(answer(t).text()).isEqualTo("Looking. All found.");
        ServerEvent.Done done = (ServerEvent.Done) eventsTo("a1").getLast();
        assertThat(done.timings().handoffs()).isEqualTo(1);
        assertThat(messages.checkpoint(ALICE, SESSION, t.turnId())).isEmpty();
    }

    @Test
    void aRunWithTooLittleTimeLeftAfterItsToolsIsHandedOnBeforeTheNextModelCall() {
        slowLookup(54_000);
        TurnRequest t = accepted("find one");
        ToolScriptModel model = ToolScriptModel.of(
                Round.tools(List.of("Looking. "), call("c1", "lookup", "{}")),
                Round.text("Found."));

        assertThatThrownBy(() -> runner(model).run(t, 1, 60_000)).isInstanceOf(TurnHandedOffException.class);
        assertThat(model.calls()).as("1 s left: no model call begun").isEqualTo(1);
        assertThat(step(t, "c1").toolStatus()).isEqualTo(ToolStatus.DONE);

        assertThat(runner(model).run(t, 2, 60_000)).isEqualTo(TurnRunner.Outcome.ANSWERED);
        assertThat(lookup.executions).hasValue(1);
        assertThat(trace("a1")).containsExactly(
                "delta 0 Looking. ",
                "toolCall c1 lookup {}",
                "toolResult c1 lookup done found {}",
                "delta 1 Found.",
                "done STOP 2");
        assertThat(answer(t).text()).isEqualTo("Looking. Found.");
    }

    @Test
    void aRoundCutByAHandOffIsContinuedAndItsToolCallsKeepTheWholeRoundsText() {
        TurnRequest t = accepted("look it up");
        ToolScriptModel model = ToolScriptModel.of(
                Round.hanging("Let me "),
                Round.tools(List.of("look. "), call("c1", "lookup", "{}")),
                Round.text("Done."));

        assertThatThrownBy(() -> runner(model).run(t, 1, TurnRunner.MIN_MILLIS_TO_START))
                .isInstanceOf(TurnHandedOffException.class);
        assertThat(runner(model).run(t, 2, 60_000)).isEqualTo(TurnRunner.Outcome.ANSWERED);

        var continued = model.conversations.get(1);
        assertThat(continued.get(continued.size() - 2)).isEqualTo(AiMessage.from("Let me "));
        assertThat(continued.getLast()).isEqualTo(UserMessage.from(AgentFactory.CONTINUE_INSTRUCTION));
        assertThat(step(t, "c1").tool().roundText()).as("both segments' text of the round").isEqualTo("Let me look. ");
        var last = model.lastConversation();
        assertThat(last).noneMatch(m -> m.equals(UserMessage.from(AgentFactory.CONTINUE_INSTRUCTION)));
        assertThat(last.get(last.size() - 2)).isInstanceOfSatisfying(AiMessage.class,
                a -> assertThat(a.text()).isEqualTo("Let me look. "));
        assertThat(trace("a1")).containsExactly(
                "delta 0 Let me ",
                "delta 1 look. ",
                "toolCall c1 lookup {}",
                "toolResult c1 lookup done found {}",
                "delta 2 Done.",
                "done STOP 3");
        assertThat(answer(t).text()).isEqualTo("Let me look. Done.");
    }

    @Test
    void aRunResumedAfterApprovalIsHandedOnAndItsNextDeliveryContinuesItAsOneStream() {
        TurnRequest t = accepted("send 5 to bob");
        ToolScriptModel model = ToolScriptModel.of(
                Round.tools(List.of("I will transfer. "), call("c7", "transfer", "{\"amount\":5}")),
                Round.hanging("Transferred "),
                Round.text("and done."));
        runner(model).run(t, 1, 60_000);
        control.decide(ALICE, new ClientAction.DecideTool(SESSION, t.turnId(), "c7", true));
        TurnRequest resume = onlyResumeIn(queue, t);

        assertThatThrownBy(() -> runner(model).run(resume, 1, TurnRunner.MIN_MILLIS_TO_START))
                .isInstanceOf(TurnHandedOffException.class);
        assertThat(messages.checkpoint(ALICE, SESSION, t.turnId()).orElseThrow().text())
                .isEqualTo("I will transfer. Transferred ");
        assertThat(runner(model).run(resume, 2, 60_000)).isEqualTo(TurnRunner.Outcome.ANSWERED);

        assertThat(transfer.executions).hasValue(1);
        assertThat(trace("a1")).containsExactly(
                "delta 0 I will transfer. ",
                "approvalRequired c7 transfer {\"amount\":5}",
                "toolResult c7 transfer done transferred {\"amount\":5}",
                "delta 1 Transferred ",
                "delta 2 and done.",
                "done STOP 3");
        assertThat(answer(t).text()).isEqualTo("I will transfer. Transferred and done.");
        assertThat(model.lastConversation().getLast()).isEqualTo(UserMessage.from(AgentFactory.CONTINUE_INSTRUCTION));
        assertThat(messages.checkpoint(ALICE, SESSION, t.turnId())).isEmpty();
    }

    @Test
    void aCheckpointOlderThanToolCallsADeadSegmentStoredIsNotContinuedFrom() {
        TurnRequest t = accepted("look it up");
        ToolScriptModel model = ToolScriptModel.of(
                Round.hanging("Let me "),
                Round.tools(List.of("look. "), call("c1", "lookup", "{}")),
                null, // the segment fails after its tool round, without a checkpoint of its own
                Round.text("Done."));
        assertThatThrownBy(() -> runner(model).run(t, 1, TurnRunner.MIN_MILLIS_TO_START))
                .isInstanceOf(TurnHandedOffException.class);
        assertThatThrownBy(() -> runner(model).run(t, 2, 60_000)).isInstanceOf(TurnFailedException.class);

        assertThat(runner(model).run(t, 3, 60_000)).isEqualTo(TurnRunner.Outcome.ANSWERED);

        assertThat(lookup.executions).hasValue(1);
        var last = model.lastConversation();
        assertThat(last.getLast()).as("goes on from the stored tool round, not the checkpoint's text")
                .isEqualTo(ToolExecutionResultMessage.from("c1", "lookup", "found {}"));
        assertThat(answer(t).text()).isEqualTo("Let me look. Done.");
        List<ServerEvent> events = eventsTo("a1");
        assertThat(events).filteredOn(ServerEvent.Restart.class::isInstance).singleElement()
                .isInstanceOfSatisfying(ServerEvent.Restart.class, r -> assertThat(r.fromSeq()).isEqualTo(2));
        assertThat(((ServerEvent.Done) events.getLast()).timings().handoffs())
                .as("the checkpoint's hand-offs still count").isEqualTo(1);
        assertThat(messages.checkpoint(ALICE, SESSION, t.turnId())).isEmpty();
    }

    @Test
    void aRunWithNoHandOffLeftEndsAsRunTooLongRatherThanStartACallWithoutTimeForIt() {
        slowLookup(40_000);
        TurnRequest t = accepted("find two");
        ToolScriptModel model = ToolScriptModel.of(
                Round.tools(List.of("Looking. "), call("c1", "lookup", "{}"), call("c2", "lookup", "{}")),
                Round.text("never"));
        TurnSettings noHandOffs = new TurnSettings(20, 0, 256, 3, 50, 5).withRunLimits(0, 3_600_000);

        assertThat(runner(agents(model), noHandOffs).run(t, 1, 60_000)).isEqualTo(TurnRunner.Outcome.RUN_TOO_LONG);

        assertThat(lookup.executions).as("c1 ran; 15 s left is too little for c2").hasValue(1);
        assertThat(step(t, "c2").toolStatus()).isEqualTo(ToolStatus.APPROVED);
        assertThat(answer(t).status()).isEqualTo(StoredMessage.RUN_TOO_LONG);
        assertThat(answer(t).text()).isEqualTo("Looking. ");
        assertThat(model.calls()).isEqualTo(1);
    }

    @Test
    void aModelCallAfterTheCatchUpsToolsIsNotBegunWithoutTimeToStream() {
        slowLookup(20_000);
        TurnRequest t = accepted("find three");
        ToolScriptModel model = ToolScriptModel.of(
                Round.tools(List.of("Looking. "), call("c1", "lookup", "{}"), call("c2", "lookup", "{}"),
                        call("c3", "lookup", "{}")),
                Round.text("Found."));
        assertThatThrownBy(() -> runner(model).run(t, 1, 60_000)).isInstanceOf(TurnHandedOffException.class);
        // the next invocation has only 10 s: c3 runs (the first call of a catch-up always does) and takes 20 s of it
        assertThatThrownBy(() -> runner(model).run(t, 2, 10_000)).isInstanceOf(TurnHandedOffException.class);
        assertThat(model.calls()).as("no model call begun after the catch-up's tool").isEqualTo(1);
        assertThat(lookup.executions).hasValue(3);

        assertThat(runner(model).run(t, 3, 60_000)).isEqualTo(TurnRunner.Outcome.ANSWERED);
        assertThat(lookup.executions).hasValue(3);
        assertThat(answer(t).text()).isEqualTo("Looking. Found.");
    }
}
