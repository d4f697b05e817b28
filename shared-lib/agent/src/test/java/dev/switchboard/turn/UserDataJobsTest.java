package dev.switchboard.turn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.agent.AgentFactory;
import dev.switchboard.agent.ModelCatalog;
import dev.switchboard.agent.ModelChoice;
import dev.switchboard.agent.TurnContext;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.knowledge.UserKnowledgeCache;
import dev.switchboard.port.MessageStore;
import dev.switchboard.port.SessionStore;
import dev.switchboard.testing.HashingEmbedder;
import dev.switchboard.testing.InMemoryDocumentStore;
import dev.switchboard.testing.InMemoryKnowledgeVersions;
import dev.switchboard.testing.InMemoryMemoryStore;
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
}
