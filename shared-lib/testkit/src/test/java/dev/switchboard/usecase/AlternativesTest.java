package dev.switchboard.usecase;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.domain.Role;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.ServerEvent;
import dev.switchboard.testing.InMemoryUsageCounters;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** regenerate, editMessage and rateMessage through the message route's use case. */
class AlternativesTest extends IngressTestBed {
    private final InMemoryUsageCounters counters = new InMemoryUsageCounters();
    private ChatIngress ingress;
    private String session;

    @BeforeEach
    void setUp() {
        ingress = new ChatIngress(codec, sessions, messages, queue, ids, now::get, MODELS,
                ChatIngress.defaultCommands(sessions, messages, MODELS), KnowledgeActions.NONE, TurnLimits.NONE,
                HoldingLimits.NONE, counters);
    }

    /** Sends a message and stores its answer (as the worker would), settling the session. */
    private String answered(String clientMessageId, String text, String answer) {
        String json = "{\"action\":\"sendMessage\",\"clientMessageId\":\"" + clientMessageId + "\","
                + (session == null ? "" : "\"sessionId\":\"" + session + "\",") + "\"text\":\"" + text + "\"}";
        ServerEvent.Accepted a = (ServerEvent.Accepted) ingress.handle(ALICE, json);
        session = a.sessionId();
        answer(a.turnId(), answer);
        return a.turnId();
    }

    private void answer(String turnId, String text) {
        now.addAndGet(10);
        messages.putIfAbsent(new StoredMessage(ALICE, session, turnId, Role.ASSISTANT, text, now.get(), GPT));
        sessions.settle(ALICE, session, turnId, now.get());
        now.addAndGet(10);
    }

    private ServerEvent regenerate(String user, String turnId) {
        return ingress.handle(user, "{\"action\":\"regenerate\",\"sessionId\":\"" + session + "\",\"turnId\":\""
                + turnId + "\"}");
    }

    private ServerEvent edit(String user, String turnId, String clientMessageId, String text) {
        return ingress.handle(user, "{\"action\":\"editMessage\",\"sessionId\":\"" + session + "\",\"turnId\":\""
                + turnId + "\",\"clientMessageId\":\"" + clientMessageId + "\",\"text\":\"" + text + "\"}");
    }

    private ServerEvent rate(String user, String turnId, String ratingJson, String comment) {
        return ingress.handle(user, "{\"action\":\"rateMessage\",\"sessionId\":\"" + session + "\",\"turnId\":\""
                + turnId + "\",\"rating\":" + ratingJson + (comment == null ? "" : ",\"comment\":\"" + comment + "\"")
                + "}");
    }

    private List<ServerEvent.HistoryMessage> history() {
        return ((ServerEvent.History) ingress.handle(ALICE, "{\"action\":\"getHistory\",\"sessionId\":\""
                + session + "\"}")).messages();
    }

    @Test
    void regenerateQueuesANewTurnThatAnswersTheSameQuestionAndSupersedesTheOldAnswer() {
        answered("c-1", "first", "one");
        String t2 = answered("c-2", "second", "two");

        ServerEvent reply = regenerate(ALICE, t2);

        assertThat(reply).isInstanceOfSatisfying(ServerEvent.Accepted.class, a -> {
            assertThat(a.regenerates()).isEqualTo(t2);
            assertThat(a.clientMessageId()).isNull();
            assertThat(a.duplicate()).isFalse();
            assertThat(a.turnId()).isGreaterThan(t2);
        });
        String t3 = ((ServerEvent.Accepted) reply).turnId();
        TurnRequest queued = queue.enqueued.get(queue.enqueued.size() - 1);
        assertThat(queued.turnId()).isEqualTo(t3);
        StoredMessage copy = StoredMessage.find(messages.all(), t3, Role.USER);
        assertThat(copy.text()).isEqualTo("second");
        assertThat(copy.branch().answerOf()).isEqualTo(t2);

        answer(t3, "two again");
        List<ServerEvent.HistoryMessage> h = history();
        // the hidden copy is not shown; the old answer is marked, the new one says which question it answers
        assertThat(h).extracting(ServerEvent.HistoryMessage::text)
                .containsExactly("first", "one", "second", "two", "two again");
        assertThat(h.get(3).superseded()).isTrue();
        assertThat(h.get(2).superseded()).isNull();
        assertThat(h.get(4).answerOf()).isEqualTo(t2);
        assertThat(h.get(4).superseded()).isNull();
    }

    @Test
    void regenerateTwiceNamesTheQuestionOrTheLatestRegenerateAndSupersedesEveryEarlierAnswer() {
        String t1 = answered("c-1", "q", "a1");
        String t2 = ((ServerEvent.Accepted) regenerate(ALICE, t1)).turnId();
        answer(t2, "a2");
        String t3 = ((ServerEvent.Accepted) regenerate(ALICE, t2)).turnId();
        answer(t3, "a3");

        assertThat(((ServerEvent.Accepted) regenerate(ALICE, t1)).regenerates()).isEqualTo(t1);
        assertThat(history()).filteredOn(m -> m.role().equals("assistant"))
                .extracting(ServerEvent.HistoryMessage::text, ServerEvent.HistoryMessage::superseded)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("a1", true),
                        org.assertj.core.groups.Tuple.tuple("a2", true),
                        org.assertj.core.groups.Tuple.tuple("a3", true));
    }

    @Test
    void regenerateOfAnOlderTurnAnotherUsersSessionOrAMissingOneIsRefused() {
        String t1 = answered("c-1", "first", "one");
        answered("c-2", "second", "two");

        assertThat(regenerate(ALICE, t1)).isInstanceOfSatisfying(ServerEvent.Error.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.TURN_NOT_FOUND.name()));
        ServerEvent.Error bobs = (ServerEvent.Error) regenerate(BOB, t1);
        String missing = session;
        session = "no-such-session";
        ServerEvent.Error none = (ServerEvent.Error) regenerate(ALICE, t1);
        assertThat(bobs.code()).isEqualTo(ErrorCode.SESSION_NOT_FOUND.name());
        assertThat(bobs.message()).isEqualTo(none.message());
        assertThat(messages.all()).allMatch(m -> m.sessionId().equals(missing) && m.userId().equals(ALICE));
    }

    @Test
    void regenerateFollowsTheBusyPolicy() {
        answered("c-1", "first", "one");
        ingress.handle(ALICE, "{\"action\":\"updateSession\",\"sessionId\":\"" + session
                + "\",\"busyPolicy\":\"reject\"}");
        String t2 = ((ServerEvent.Accepted) ingress.handle(ALICE, "{\"action\":\"sendMessage\",\"clientMessageId\":"
                + "\"c-2\",\"sessionId\":\"" + session + "\",\"text\":\"running\"}")).turnId();
        int queued = queue.enqueued.size();

        assertThat(regenerate(ALICE, t2)).isInstanceOfSatisfying(ServerEvent.Error.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.SESSION_BUSY.name()));
        assertThat(queue.enqueued).hasSize(queued);
    }

    @Test
    void editSupersedesTheMessageAndEverythingAfterItAndIsIdempotentOnItsClientMessageId() {
        answered("c-1", "first", "one");
        String t2 = answered("c-2", "second", "two");
        answered("c-3", "third", "three");

        ServerEvent.Accepted a = (ServerEvent.Accepted) edit(ALICE, t2, "e-1", "second, better");
        assertThat(a.edits()).isEqualTo(t2);
        assertThat(a.clientMessageId()).isEqualTo("e-1");
        assertThat(a.duplicate()).isFalse();
        ServerEvent.Accepted again = (ServerEvent.Accepted) edit(ALICE, t2, "e-1", "second, better");
        assertThat(again.duplicate()).isTrue();
        assertThat(again.turnId()).isEqualTo(a.turnId());
        // a resend enqueues again under the same deduplication id (the FIFO queue drops the repeat), as sendMessage
        assertThat(queue.enqueued.stream().map(TurnRequest::deduplicationId).distinct()).hasSize(4);

        assertThat(history()).extracting(ServerEvent.HistoryMessage::text, ServerEvent.HistoryMessage::superseded)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("first", null),
                        org.assertj.core.groups.Tuple.tuple("one", null),
                        org.assertj.core.groups.Tuple.tuple("second", true),
                        org.assertj.core.groups.Tuple.tuple("two", true),
                        org.assertj.core.groups.Tuple.tuple("third", true),
                        org.assertj.core.groups.Tuple.tuple("three", true),
                        org.assertj.core.groups.Tuple.tuple("second, better", null));
    }

    @Test
    void editWithAReusedIdOrOfASupersededOrForeignMessageIsRefused() {
        answered("c-1", "first", "one");
        String t2 = answered("c-2", "second", "two");
        edit(ALICE, t2, "e-1", "new");

        assertThat(((ServerEvent.Error) edit(ALICE, t2, "e-2", "newer")).code())
                .isEqualTo(ErrorCode.TURN_NOT_FOUND.name());
        assertThat(((ServerEvent.Error) edit(ALICE, t2, "e-1", "other text")).code())
                .isEqualTo(ErrorCode.ID_REUSED.name());
        assertThat(((ServerEvent.Error) edit(BOB, t2, "e-3", "x")).code())
                .isEqualTo(ErrorCode.SESSION_NOT_FOUND.name());
        assertThat(((ServerEvent.Error) edit(ALICE, "0000000000001-00000000", "e-4", "x")).code())
                .isEqualTo(ErrorCode.TURN_NOT_FOUND.name());
    }

    @Test
    void rateStoresTheRatingOnTheAnswerShowsItInHistoryAndCountsItPerModel() {
        String t1 = answered("c-1", "first", "one");

        assertThat(rate(ALICE, t1, "\"up\"", "nice")).isEqualTo(new ServerEvent.Rated(session, t1, "up", "nice"));
        ServerEvent.HistoryMessage answer = history().get(1);
        assertThat(answer.rating()).isEqualTo("up");
        assertThat(answer.ratingComment()).isEqualTo("nice");
        assertThat(history().get(0).rating()).isNull();

        rate(ALICE, t1, "\"down\"", null);
        List<dev.switchboard.usecase.operator.OperatorApi.RatingCount> counts =
                dev.switchboard.usecase.operator.OperatorApi.ratingsOf(counters.read(0, Long.MAX_VALUE / 60_000));
        assertThat(counts).singleElement().satisfies(c -> {
            assertThat(c.model()).isEqualTo(GPT);
            assertThat(c.up()).isZero();
            assertThat(c.down()).isEqualTo(1);
        });

        assertThat(rate(ALICE, t1, "null", null)).isEqualTo(new ServerEvent.Rated(session, t1, null, null));
        assertThat(history().get(1).rating()).isNull();
        assertThat(dev.switchboard.usecase.operator.OperatorApi.ratingsOf(counters.read(0, Long.MAX_VALUE / 60_000)))
                .singleElement().satisfies(c -> assertThat(c.down()).isZero());
    }

    @Test
    void rateOfAnotherUsersAnswerOrAnUnansweredTurnIsRefusedLikeAMissingOne() {
        String t1 = answered("c-1", "first", "one");
        ServerEvent.Accepted pending = (ServerEvent.Accepted) ingress.handle(ALICE, "{\"action\":\"sendMessage\","
                + "\"clientMessageId\":\"c-2\",\"sessionId\":\"" + session + "\",\"text\":\"waiting\"}");

        assertThat(((ServerEvent.Error) rate(BOB, t1, "\"up\"", null)).code())
                .isEqualTo(ErrorCode.SESSION_NOT_FOUND.name());
        assertThat(((ServerEvent.Error) rate(ALICE, pending.turnId(), "\"up\"", null)).code())
                .isEqualTo(ErrorCode.TURN_NOT_FOUND.name());
        assertThat(messages.all()).allMatch(m -> m.rating() == null);
        assertThat(counters.read(0, Long.MAX_VALUE / 60_000)).isEmpty();
    }
}
