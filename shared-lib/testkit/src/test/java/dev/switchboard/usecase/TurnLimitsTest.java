package dev.switchboard.usecase;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.domain.Session;
import dev.switchboard.port.UsageCounters;
import dev.switchboard.protocol.ProtocolCodec;
import dev.switchboard.protocol.ServerEvent;
import dev.switchboard.domain.Ids;
import dev.switchboard.testing.InMemoryMessageStore;
import dev.switchboard.testing.InMemorySessionStore;
import dev.switchboard.testing.InMemoryTurnAdmissions;
import dev.switchboard.testing.InMemoryUserQuotas;
import dev.switchboard.testing.RecordingTurnQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Per-user limits as the message route applies them: refused before anything is stored or queued. */
class TurnLimitsTest {
    private final AtomicLong now = new AtomicLong(1_795_000_000_000L);
    private final InMemorySessionStore sessions = new InMemorySessionStore();
    private final InMemoryMessageStore messages = new InMemoryMessageStore();
    private final RecordingTurnQueue queue = new RecordingTurnQueue();
    private final InMemoryUserQuotas quotas = new InMemoryUserQuotas();

    private TurnLimits limits;

    private ChatIngress ingress(int perMinute, int concurrent, long tokensPerDay) {
        var models = ModelListing.offline();
        limits = new TurnLimits(quotas, perMinute, concurrent, tokensPerDay);
        return new ChatIngress(new ProtocolCodec(), sessions, messages, queue, new Ids(), now::get, models,
                ChatIngress.defaultCommands(sessions, messages, models), KnowledgeActions.NONE, limits,
                HoldingLimits.NONE, UsageCounters.NONE, new InMemoryTurnAdmissions(sessions, messages, quotas));
    }

    private static String send(String id, String sessionId, String text) {
        return "{\"action\":\"sendMessage\",\"clientMessageId\":\"" + id + "\""
                + (sessionId == null ? "" : ",\"sessionId\":\"" + sessionId + "\"") + ",\"text\":\"" + text + "\"}";
    }

    private static void assertLimit(ServerEvent e, String says) {
        assertThat(e).isInstanceOf(ServerEvent.Error.class);
        assertThat(((ServerEvent.Error) e).code()).isEqualTo("LIMIT_REACHED");
        assertThat(((ServerEvent.Error) e).message()).contains(says);
    }

    @Test
    void turnsPerMinuteRefuseTheNextMessageWithoutStoringAnythingUntilTheNextMinute() {
        ChatIngress in = ingress(3, 0, 0);
        for (int i = 0; i < 3; i++) {
            assertThat(in.handle("u", send("m-" + i, null, "hi " + i))).isInstanceOf(ServerEvent.Accepted.class);
        }
        int stored = messages.all().size();
        int sessionsBefore = sessions.list("u", 100, null).items().size();
        assertLimit(in.handle("u", send("m-9", null, "one too many")), "per minute");
        assertThat(messages.all()).hasSize(stored);
        assertThat(sessions.list("u", 100, null).items()).hasSize(sessionsBefore);
        assertThat(queue.enqueued).hasSize(3);
        assertThat(in.handle("other", send("o-1", null, "hi"))).isInstanceOf(ServerEvent.Accepted.class);
        now.addAndGet(60_000);
        assertThat(in.handle("u", send("m-10", null, "next minute"))).isInstanceOf(ServerEvent.Accepted.class);
    }

    @Test
    void aRetryOfTheRunningMessageIsNotCountedAgain() {
        ChatIngress in = ingress(1, 0, 0);
        ServerEvent.Accepted first = (ServerEvent.Accepted) in.handle("u", send("m-1", null, "hi"));
        ServerEvent again = in.handle("u", send("m-1", first.sessionId(), "hi"));
        assertThat(again).isInstanceOf(ServerEvent.Accepted.class);
        assertThat(((ServerEvent.Accepted) again).duplicate()).isTrue();
    }

    @Test
    void concurrentTurnsAcrossSessionsAreCappedButTheBusySessionItselfMayQueue() {
        ChatIngress in = ingress(0, 2, 0);
        ServerEvent.Accepted a = (ServerEvent.Accepted) in.handle("u", send("a-1", null, "one"));
        in.handle("u", send("b-1", null, "two"));
        assertLimit(in.handle("u", send("c-1", null, "three")), "running already");
        assertThat(in.handle("u", send("a-2", a.sessionId(), "queued behind one")))
                .isInstanceOf(ServerEvent.Accepted.class);
        limits.release("u", a.sessionId(), "a-1"); // the first turn ends: its session's newer turn keeps the slot
        assertLimit(in.handle("u", send("c-2", null, "three again")), "running already");
        limits.release("u", a.sessionId(), "a-2");
        assertThat(in.handle("u", send("c-3", null, "three at last"))).isInstanceOf(ServerEvent.Accepted.class);
    }

    @Test
    void aLaterTurnRefusedForTheRunningAnswersIsNotCountedInItsMinute() {
        ChatIngress in = ingress(2, 1, 0);
        ServerEvent.Accepted a = (ServerEvent.Accepted) in.handle("u", send("a-1", null, "one"));
        sessions.createIfAbsent(new Session("u", "s-b", "b", now.get(), now.get()));
        assertLimit(in.handle("u", send("b-1", "s-b", "two")), "running already");
        assertThat(messages.all()).as("nothing of b-1 stored").hasSize(1);
        limits.release("u", a.sessionId(), "a-1");
        // a-1 was the minute's first turn; b-1 took nothing, so b-2 is its second
        assertThat(in.handle("u", send("b-2", "s-b", "two again"))).isInstanceOf(ServerEvent.Accepted.class);
        assertLimit(in.handle("u", send("b-3", "s-b", "three")), "per minute");
    }

    @Test
    void aResendOfATurnThatEndedPassesTheLimitsAgainWhileARetryOfTheRunningOneDoesNot() {
        ChatIngress in = ingress(0, 0, 1_000);
        ServerEvent.Accepted first = (ServerEvent.Accepted) in.handle("u", send("m-1", null, "hi"));
        ServerEvent.Accepted second = (ServerEvent.Accepted) in.handle("u", send("m-2", first.sessionId(), "more"));
        quotas.charge("u", "call-1", now.get(), 1_000);
        assertThat(in.handle("u", send("m-2", first.sessionId(), "more")))
                .as("a lost reply's retry while the turn is pending").isInstanceOf(ServerEvent.Accepted.class);
        sessions.markSettled("u", first.sessionId(), second.turnId(), now.get()); // failed and given up
        assertLimit(in.handle("u", send("m-2", first.sessionId(), "more")), "tokens");
        assertThat(queue.enqueued).hasSize(3);
    }

    @Test
    void theDailyTokenBudgetStopsNewTurnsUntilTheNextDay() {
        ChatIngress in = ingress(0, 0, 1_000);
        assertThat(in.handle("u", send("m-1", null, "hi"))).isInstanceOf(ServerEvent.Accepted.class);
        quotas.charge("u", "call-1", now.get(), 1_000);
        assertLimit(in.handle("u", send("m-2", null, "more")), "tokens");
        now.addAndGet(86_400_000);
        assertThat(in.handle("u", send("m-3", null, "tomorrow"))).isInstanceOf(ServerEvent.Accepted.class);
    }

    @Test
    void aJobWithoutAClientMessageIdIsChargedAndReleasesNothing() {
        java.util.List<String> writes = new java.util.ArrayList<>();
        InMemoryUserQuotas watched = new InMemoryUserQuotas() {
            @Override
            public synchronized boolean chargeAndReleaseSlot(String userId, String callId, long nowMillis,
                                                             long tokens, String sessionId, String clientMessageId) {
                writes.add("chargeAndRelease");
                boolean charged = charge(userId, callId, nowMillis, tokens);
                super.releaseSlot(userId, sessionId, clientMessageId); // the store's own, not counted as a release
                return charged;
            }

            @Override
            public synchronized void releaseSlot(String userId, String sessionId, String clientMessageId) {
                writes.add("release");
                super.releaseSlot(userId, sessionId, clientMessageId);
            }
        };
        TurnLimits slots = new TurnLimits(watched, 0, 2, 1_000);
        // a resume after tool decisions is queued without one: it holds no slot of its own
        assertThat(slots.chargeAndRelease("u", "t-1#2#0", now.get(), 40, "s-1", null)).isTrue();
        slots.release("u", "s-1", null);
        assertThat(watched.tokensUsed("u", now.get())).isEqualTo(40);
        assertThat(writes).isEmpty();

        assertThat(slots.chargeAndRelease("u", "t-2#1#0", now.get(), 10, "s-1", "c-2")).isTrue();
        assertThat(writes).containsExactly("chargeAndRelease");
        assertThat(new TurnLimits(watched, 0, 0, 1_000).chargeAndRelease("u", "t-3#1#0", now.get(), 5, "s-1", "c-3"))
                .as("no slots: only the charge").isTrue();
        assertThat(writes).containsExactly("chargeAndRelease");
        assertThat(watched.tokensUsed("u", now.get())).isEqualTo(55);
    }
}
