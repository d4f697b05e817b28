package dev.switchboard.turn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.testing.IsolationGuard;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.Transformer;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.config.Configurator;

/**
 * Isolation as a stateful property (docs/reliability.md): jqwik builds random chains of what {@value
 * IsolationWorld#USERS} users and the turns queue do — connect, disconnect, drop, reconnect (and catch up), create,
 * configure and delete sessions, send and retry messages (some into client-chosen session ids and with message ids
 * every user also uses), slash commands, cancel, approve or deny tool calls, memories and documents, deliver queued
 * turns and jobs alone or in parallel batches, redeliver them (also after they were answered), and name another user's
 * session, turn, document or memory. After every step {@link IsolationWorld#assertIsolated()} checks that every frame,
 * reply, prompt and store item stayed with its user (see {@link IsolationWorld}). Prints one line of figures; the
 * chains of all tries add up to at least 10,000 steps.
 */
class IsolationPropertyTest {
    private static final int TRIES = 50;
    private static final int STEPS_PER_CHAIN = 250;
    private static final int MIN_STEPS = 10_000;
    private static final String LOGGERS = "dev.switchboard";

    private final IsolationGuard guard = new IsolationGuard();
    private final IsolationWorld.Totals totals = new IsolationWorld.Totals();
    private long startedNanos;
    private Duration startedCpu;
    private Level logLevel;

    @BeforeProperty
    void start() {
        startedNanos = System.nanoTime();
        startedCpu = cpu();
        // tens of thousands of INFO lines (and the stack traces of the scripted model failures) would only slow it down
        logLevel = LogManager.getLogger(LOGGERS).getLevel();
        Configurator.setLevel(LOGGERS, Level.OFF);
    }

    @AfterProperty
    void report() {
        Configurator.setLevel(LOGGERS, logLevel);
        System.out.printf(Locale.ROOT, "isolation: steps=%d, chains=%d, users=%d, frames checked=%d, replies checked=%d,"
                        + " prompts checked=%d (with memories/documents=%d, with tool results=%d), store calls=%d,"
                        + " reads checked=%d, writes checked=%d, cross-user attempts=%d, dead-lettered=%d, leaked=%d,"
                        + " %.1f s (cpu %.1f s)%n  events: %s%n",
                totals.steps, totals.worlds, IsolationWorld.USERS, totals.frames, totals.replies, totals.prompts,
                totals.promptsWithKnowledge, totals.promptsWithToolResults, guard.calls(), guard.reads(),
                guard.writes(), totals.crossUser, totals.deadLettered, totals.leaked,
                (System.nanoTime() - startedNanos) / 1e9, cpu().minus(startedCpu).toMillis() / 1e3, totals.events);
        assertThat(totals.leaked).as("leaks").isZero();
        assertThat(totals.steps).as("steps over all chains").isGreaterThanOrEqualTo(MIN_STEPS);
        // the checks really ran, on every path that carries a user's data
        assertThat(Map.of("frames", totals.frames, "replies", totals.replies, "prompts", totals.prompts,
                "prompts with memories or documents", totals.promptsWithKnowledge,
                "prompts with tool results", totals.promptsWithToolResults, "reads", guard.reads(),
                "writes", guard.writes(), "cross-user attempts", totals.crossUser,
                "dead-lettered", totals.deadLettered))
                .allSatisfy((figure, n) -> assertThat(n).as(figure).isPositive());
        assertThat(totals.events).containsKeys("Delta", "Done", "ApprovalRequired", "ToolResult", "DocumentReady",
                "Error TURN_FAILED", "reply:CancelRequested", "reply:SessionDeleted", "reply:History",
                "reply:ToolDecision", "reply:Memories", "reply:Error SESSION_NOT_FOUND", "reply:Export",
                "reply:SearchResults", "search hits");
    }

    /** CPU time of this JVM so far (the machine may be busy with other work: wall time alone says little). */
    private static Duration cpu() {
        return ProcessHandle.current().info().totalCpuDuration().orElse(Duration.ZERO);
    }

    @Property(tries = TRIES, edgeCases = EdgeCasesMode.NONE)
    void everyFramePromptAndReadStaysWithItsUser(@ForAll("chains") ActionChain<IsolationWorld> chain) {
        chain.withInvariant("isolation", IsolationWorld::assertIsolated).run();
    }

    @Provide
    Arbitrary<ActionChain<IsolationWorld>> chains() {
        return ActionChain.startWith(() -> new IsolationWorld(guard, totals))
                .withAction(5, step("connect", IsolationWorld::canConnect, IsolationWorld::connect))
                .withAction(2, step("disconnect", IsolationWorld::anyConnected, IsolationWorld::disconnect))
                .withAction(3, step("reconnect", IsolationWorld::anyConnected, IsolationWorld::reconnect))
                .withAction(4, step("createSession", IsolationWorld::anyConnected, IsolationWorld::createSession))
                .withAction(1, step("updateSession", IsolationWorld::anyConnectedWithSession,
                        IsolationWorld::updateSession))
                .withAction(20, step("send", IsolationWorld::anyConnected, IsolationWorld::send))
                .withAction(3, step("retry", IsolationWorld::anyRetry, IsolationWorld::retry))
                .withAction(2, step("slash", IsolationWorld::anyConnected, IsolationWorld::slash))
                .withAction(5, step("cancel", IsolationWorld::anyConnectedWithSession, IsolationWorld::cancel))
                .withAction(3, step("deleteSession", IsolationWorld::anyConnectedWithSession,
                        IsolationWorld::deleteSession))
                .withAction(4, step("getHistory", IsolationWorld::anyConnectedWithSession, IsolationWorld::history))
                .withAction(2, step("exportSession", IsolationWorld::anyConnectedWithSession, IsolationWorld::export))
                .withAction(3, step("searchMessages", IsolationWorld::anyConnected, IsolationWorld::search))
                .withAction(2, step("listSessions", IsolationWorld::anyConnected, IsolationWorld::listSessions))
                .withAction(5, step("decideTool", IsolationWorld::anyApproval, IsolationWorld::decide))
                .withAction(3, step("memories", IsolationWorld::anyConnected, IsolationWorld::memories))
                .withAction(4, step("documents", IsolationWorld::anyConnected, IsolationWorld::documents))
                .withAction(20, step("deliver", IsolationWorld::anyPending, IsolationWorld::deliver))
                .withAction(6, step("deliverBatch", IsolationWorld::anyPending, IsolationWorld::deliverBatch))
                .withAction(5, step("redeliver", IsolationWorld::anyDelivered, IsolationWorld::redeliver))
                .withAction(10, step("crossUser", IsolationWorld::anyCrossUser, IsolationWorld::crossUser))
                .withMaxTransformations(STEPS_PER_CHAIN);
    }

    /**
     * An action that may run when {@code when} holds. Its random seed is all it is generated from: the world draws
     * from it which user acts and on which of its ids, so a chain stays valid when jqwik shrinks it.
     */
    private static Action.Independent<IsolationWorld> step(String name, Predicate<IsolationWorld> when,
                                                           BiConsumer<IsolationWorld, SplittableRandom> body) {
        return new Action.Independent<>() {
            @Override
            public boolean precondition(IsolationWorld world) {
                return when.test(world);
            }

            @Override
            public Arbitrary<Transformer<IsolationWorld>> transformer() {
                return Arbitraries.longs().map(seed -> Transformer.mutate(name + " " + seed,
                        w -> body.accept(w, new SplittableRandom(seed))));
            }
        };
    }
}
