package dev.switchboard.turn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.agent.AgentFactory;
import dev.switchboard.agent.ModelCatalog;
import dev.switchboard.agent.ModelChoice;
import dev.switchboard.agent.TurnContext;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.knowledge.UserKnowledgeCache;
import dev.switchboard.port.MessageStore;
import dev.switchboard.port.PendingTurns;
import dev.switchboard.port.SessionStore;
import dev.switchboard.testing.HashingEmbedder;
import dev.switchboard.testing.InMemoryDocumentStore;
import dev.switchboard.testing.InMemoryKnowledgeVersions;
import dev.switchboard.testing.InMemoryMemoryStore;
import dev.switchboard.testing.InMemoryPendingTurns;
import dev.switchboard.testing.InMemoryTurnStanding;
import dev.switchboard.testing.InMemoryUserQuotas;
import dev.switchboard.port.UserQuotas;
import dev.switchboard.usecase.ReliableTurnQueue;
import dev.switchboard.usecase.TurnLimits;
import dev.switchboard.tools.ToolSet;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The memory job of an answered turn: what it is queued with, and what it reads. */
class UserDataJobsTest extends TurnFixture {
    private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

    UserDataJobsTest() {
        super("s-jobs", 1_800_000_000_000L);
    }

    /** {@code target} behind a proxy that counts each call by {@code Interface.method}. */
    private <T> T counted(Class<T> type, T target) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, m, args) -> {
            calls.computeIfAbsent(type.getSimpleName() + "." + m.getName(), k -> new AtomicInteger()).incrementAndGet();
            try {
                return m.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }));
    }

    private int calls(String name) {
        AtomicInteger n = calls.get(name);
        return n == null ? 0 : n.get();
    }

    @Test
    void aMemoryJobCarriesTheModelThatAnsweredAndReadsItsTurnOnceAndNeitherTheSession() {
        connect(ALICE, "a1");
        MarkerEchoModel echo = new MarkerEchoModel();
        ModelChoice other = new ModelChoice(echo, "echo-other", false);
        // the session names no model: the catalog's default would answer, yet the turn was answered by "other"
        ModelCatalog models = new ModelCatalog(List.of(new ModelChoice(ScriptedChatModel.failing(), "default", false),
                other), null);
        InMemoryMemoryStore memories = new InMemoryMemoryStore();
        InMemoryDocumentStore documents = new InMemoryDocumentStore();
        HashingEmbedder embedder = new HashingEmbedder();
        UserKnowledgeCache cache = new UserKnowledgeCache(memories, documents, 10, Duration.ofHours(1));
        UserDataJobs jobs = new UserDataJobs(counted(MessageStore.class, messages),
                counted(SessionStore.class, sessions), memories, documents, new InMemoryKnowledgeVersions(), cache,
                embedder, models, queue, connections, gateway, codec, now::get);
        AgentFactory agents = new AgentFactory(ModelCatalog.of(other), "prompt", ToolSet.NONE,
                TurnContext.Source.NONE);
        TurnRunner runner = new TurnRunner(messages, sessions, connections, gateway, agents, codec, now::get,
                new TurnSettings(20, 0, 256, 3), jobs.afterAnswer());
        runner.run(accepted("hello"), 1, 60_000);
        queue.enqueued.clear();

        runner.run(accepted("please " + MarkerEchoModel.REMEMBER + " that my locker is 4711"), 1, 60_000);

        TurnRequest job = queue.enqueued.stream().filter(j -> j.kind() == TurnRequest.Kind.MEMORY).findFirst()
                .orElseThrow();
        assertThat(job.ref()).as("the answering model's id").isEqualTo(other.id());
        assertThat(job.deduplicationId()).as("one memory job per turn, whatever its model")
                .isEqualTo("memory-" + job.turnId());
        calls.clear();
        jobs.run(job);

        assertThat(memories.list(ALICE)).as("extracted by the answering model (the default one fails)").isNotEmpty();
        assertThat(calls("MessageStore.recentUpTo")).as("the turn read once, for the title and the memories")
                .isEqualTo(1);
        assertThat(calls.keySet()).as("not a first answer: no title, so no session read")
                .noneMatch(k -> k.startsWith("SessionStore."));
    }

    @Test
    void aTurnThatLeftBudgetSparesItsMemoryJobTheBudgetReadAndOneThatSpentItDoesNot() {
        connect(ALICE, "a1");
        InMemoryUserQuotas quotas = new InMemoryUserQuotas();
        UserQuotas countedQuotas = counted(UserQuotas.class, quotas);
        ModelChoice echo = new ModelChoice(new MarkerEchoModel(), "echo", false);
        InMemoryMemoryStore memories = new InMemoryMemoryStore();
        InMemoryDocumentStore documents = new InMemoryDocumentStore();
        InMemoryKnowledgeVersions versions = new InMemoryKnowledgeVersions();
        TurnLimits limits = new TurnLimits(countedQuotas, 0, 0, 1_000_000);
        UserDataJobs jobs = new UserDataJobs(messages, sessions, memories, documents, versions,
                new UserKnowledgeCache(memories, documents, 10, Duration.ofHours(1)), new HashingEmbedder(),
                ModelCatalog.of(echo), queue, connections, gateway, codec, now::get, limits);
        TurnRunner runner = new TurnRunner(messages, sessions, connections, gateway,
                new AgentFactory(ModelCatalog.of(echo), "prompt", ToolSet.NONE, TurnContext.Source.NONE), codec,
                now::get, new TurnSettings(20, 0, 256, 3), jobs.afterAnswer(), dev.switchboard.port.Metrics.NONE,
                limits, new InMemoryTurnStanding(quotas, versions));
        runner.run(accepted("hello"), 1, 60_000); // the session's first answer (its job would title it)
        queue.enqueued.clear();

        runner.run(accepted("please " + MarkerEchoModel.REMEMBER + " that my locker is 4711"), 1, 60_000);
        TurnRequest job = queue.enqueued.stream().filter(j -> j.kind() == TurnRequest.Kind.MEMORY).findFirst()
                .orElseThrow();
        assertThat(job.budgetLeft()).as("the day's tokens and the turn's leave budget").isTrue();
        // the budget is spent meanwhile by another turn: the job's call is the race any check-then-call has
        quotas.charge(ALICE, "elsewhere", now.get(), 1_000_000);
        calls.clear();
        jobs.run(job);
        assertThat(memories.list(ALICE)).as("extracted without a budget read").isNotEmpty();
        assertThat(calls("UserQuotas.tokensUsed")).isZero();

        TurnRequest unseen = new TurnRequest(job.userId(), job.sessionId(), job.turnId(), job.clientMessageId(),
                job.enqueuedAt(), job.kind(), job.ref(), job.correlationId(), null);
        memories.list(ALICE).forEach(m -> memories.delete(ALICE, m.memoryId()));
        jobs.run(unseen);
        assertThat(calls("UserQuotas.tokensUsed")).as("a job whose turn saw nothing reads the budget").isEqualTo(1);
        assertThat(memories.list(ALICE)).as("spent: the model is not called").isEmpty();
    }

    /**
     * A runner answering with the echo model whose memory jobs go to {@code jobQueue}, with empty memories and
     * documents, the given limits and the standing read with them.
     */
    private TurnRunner echoRunner(dev.switchboard.port.TurnQueue jobQueue, TurnLimits limits,
                                  InMemoryKnowledgeVersions versions, dev.switchboard.port.TurnStanding standing) {
        ModelChoice echo = new ModelChoice(new MarkerEchoModel(), "echo", false);
        UserDataJobs jobs = new UserDataJobs(messages, sessions, new InMemoryMemoryStore(),
                new InMemoryDocumentStore(), versions, new UserKnowledgeCache(new InMemoryMemoryStore(),
                new InMemoryDocumentStore(), 10, Duration.ofHours(1)), new HashingEmbedder(), ModelCatalog.of(echo),
                jobQueue, connections, gateway, codec, now::get, limits);
        return new TurnRunner(messages, sessions, connections, gateway,
                new AgentFactory(ModelCatalog.of(echo), "prompt", ToolSet.NONE, TurnContext.Source.NONE), codec,
                now::get, new TurnSettings(20, 0, 256, 3), jobs.afterAnswer(), dev.switchboard.port.Metrics.NONE,
                limits, standing);
    }

    @Test
    void aTurnThatSpendsTheBudgetQueuesItsMemoryJobWithoutTheFlag() {
        connect(ALICE, "a1");
        InMemoryUserQuotas quotas = new InMemoryUserQuotas();
        InMemoryKnowledgeVersions versions = new InMemoryKnowledgeVersions();
        TurnLimits limits = new TurnLimits(quotas, 0, 0, 1); // any call spends it
        TurnRunner runner = echoRunner(queue, limits, versions, new InMemoryTurnStanding(quotas, versions));
        assertThat(runner.run(accepted("hello"), 1, 60_000)).isEqualTo(TurnRunner.Outcome.ANSWERED);
        TurnRequest job = queue.enqueued.stream().filter(j -> j.kind() == TurnRequest.Kind.MEMORY).findFirst()
                .orElseThrow();
        assertThat(job.budgetLeft()).as("spent by the turn itself: the job must read").isNull();
    }

    @Test
    void theTurnsStandingTellsItsMemoryJobWhetherToWaitBehindAHeldJobOfTheUserWithoutAQuery() {
        connect(ALICE, "a1");
        InMemoryUserQuotas quotas = new InMemoryUserQuotas();
        InMemoryKnowledgeVersions versions = new InMemoryKnowledgeVersions();
        InMemoryPendingTurns pending = new InMemoryPendingTurns();
        PendingTurns countedPending = counted(PendingTurns.class, pending);
        ReliableTurnQueue reliable = new ReliableTurnQueue(queue, countedPending, sessions, 1, 0, pause -> { });
        TurnLimits limits = new TurnLimits(quotas, 0, 0, 1_000_000);
        TurnRunner runner = echoRunner(reliable, limits, versions, new InMemoryTurnStanding(quotas, versions, pending));
        assertThat(runner.run(accepted("hello"), 1, 60_000)).isEqualTo(TurnRunner.Outcome.ANSWERED);
        assertThat(queue.enqueued).as("nothing held: the memory job is sent")
                .anyMatch(j -> j.kind() == TurnRequest.Kind.MEMORY);
        assertThat(calls("PendingTurns.holds")).as("the standing saw no held job: no Query of its own").isZero();

        // an index job of the user whose send the queue refused waits in the user's group
        TurnRequest index = new TurnRequest(ALICE, "s-other", "doc-1", null, now.get(), TurnRequest.Kind.INDEX, null);
        pending.hold(index);
        queue.enqueued.clear();
        assertThat(runner.run(accepted("and then"), 1, 60_000)).isEqualTo(TurnRunner.Outcome.ANSWERED);

        assertThat(queue.enqueued).as("held behind the index job, not sent before it")
                .noneMatch(j -> j.kind() == TurnRequest.Kind.MEMORY);
        assertThat(pending.held(new PendingTurns.Group(ALICE, TurnRequest.userGroup(ALICE))))
                .extracting(TurnRequest::kind).containsExactly(TurnRequest.Kind.INDEX, TurnRequest.Kind.MEMORY);
        assertThat(calls("PendingTurns.holds")).isZero();
    }
}
