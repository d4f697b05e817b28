package dev.switchboard.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.Page;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.ToolCall;
import dev.switchboard.domain.ToolStatus;
import dev.switchboard.domain.TurnClaim;
import dev.switchboard.port.InvalidCursorException;
import dev.switchboard.port.MessageStore;
import dev.switchboard.domain.Ids;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link MessageStore} port's contract, for every implementation. Subclasses return the store under test; every
 * test uses fresh random user ids, so one shared store (e.g. one DynamoDB table) can serve all tests.
 */
public abstract class MessageStoreContract {
    private final Ids ids = new Ids();
    private long clock = 1_700_000_000_000L;
    protected MessageStore store;
    protected String user;
    protected String otherUser;
    protected String session;

    /** The store under test; may be fresh per call or shared (tests never reuse user ids). */
    protected abstract MessageStore store();

    @BeforeEach
    void setUpContract() {
        store = store();
        user = "user-" + UUID.randomUUID();
        otherUser = "user-" + UUID.randomUUID();
        session = "s-" + UUID.randomUUID().toString().replace("-", "");
    }

    /** A new turn id, later than every one before it. */
    protected String nextTurnId() {
        clock += 1_000;
        return ids.newTurnId(clock);
    }

    protected StoredMessage userMessage(String userId, String sessionId, String turnId, String text) {
        return new StoredMessage(userId, sessionId, turnId, Role.USER, text, clock, null);
    }

    protected StoredMessage answer(String userId, String sessionId, String turnId, String text) {
        return new StoredMessage(userId, sessionId, turnId, Role.ASSISTANT, text, clock + 1, "model-x");
    }

    /** Stores {@code answered} answered turns and then {@code unanswered} user-only turns; returns them oldest first. */
    protected List<StoredMessage> seed(String userId, String sessionId, int answered, int unanswered) {
        List<StoredMessage> all = new ArrayList<>();
        for (int i = 0; i < answered + unanswered; i++) {
            String turnId = nextTurnId();
            StoredMessage u = userMessage(userId, sessionId, turnId, "question " + i);
            assertThat(store.putIfAbsent(u)).isTrue();
            all.add(u);
            if (i < answered) {
                StoredMessage a = answer(userId, sessionId, turnId, "answer " + i);
                assertThat(store.putIfAbsent(a)).isTrue();
                all.add(a);
            }
        }
        return all;
    }

    /** Follows nextCursor from the newest page to the oldest; returns the pages in the order they were read. */
    protected List<Page<StoredMessage>> allPages(String userId, String sessionId, int limit) {
        List<Page<StoredMessage>> pages = new ArrayList<>();
        String cursor = null;
        do {
            Page<StoredMessage> page = store.history(userId, sessionId, limit, cursor);
            assertThat(page.items()).hasSizeLessThanOrEqualTo(limit);
            pages.add(page);
            cursor = page.nextCursor();
            assertThat(pages).as("paging must end").hasSizeLessThan(100);
        } while (cursor != null);
        return pages;
    }

    private static List<StoredMessage> oldestFirst(List<Page<StoredMessage>> pagesNewestFirst) {
        List<StoredMessage> all = new ArrayList<>();
        for (int i = pagesNewestFirst.size() - 1; i >= 0; i--) {
            all.addAll(pagesNewestFirst.get(i).items());
        }
        return all;
    }

    // claimTurn

    @Test
    void claimTurnFirstTimeIsFreshWithTheCandidate() {
        String t1 = nextTurnId();
        assertThat(store.claimTurn(user, session, "c-1", t1, "fp", 1_000)).isEqualTo(new TurnClaim(t1, 1_000, true, "fp"));
    }

    @Test
    void claimTurnAgainReturnsTheFirstTurn() {
        String t1 = nextTurnId();
        String t2 = nextTurnId();
        store.claimTurn(user, session, "c-1", t1, "fp", 1_000);

        TurnClaim again = store.claimTurn(user, session, "c-1", t2, "fp", 2_000);

        assertThat(again).isEqualTo(new TurnClaim(t1, 1_000, false, "fp"));
        assertThat(store.claimTurn(user, session, "c-1", nextTurnId(), "fp", 3_000)).isEqualTo(again);
    }

    @Test
    void claimsAreKeyedByUserSessionAndClientMessageId() {
        String t1 = nextTurnId();
        store.claimTurn(user, session, "c-1", t1, "fp", 1_000);

        String t2 = nextTurnId();
        assertThat(store.claimTurn(user, session, "c-2", t2, "fp", 2_000).fresh()).isTrue();
        String t3 = nextTurnId();
        assertThat(store.claimTurn(user, session + "-other", "c-1", t3, "fp", 3_000)).isEqualTo(new TurnClaim(t3, 3_000, true, "fp"));
        String t4 = nextTurnId();
        assertThat(store.claimTurn(otherUser, session, "c-1", t4, "fp", 4_000)).isEqualTo(new TurnClaim(t4, 4_000, true, "fp"));
    }

    @Test
    void aClaimIsNotAMessage() {
        store.claimTurn(user, session, "c-1", nextTurnId(), "fp", 1_000);
        assertThat(store.history(user, session, 10, null).items()).isEmpty();
        assertThat(store.deleteSession(user, session)).isZero();
    }

    // claimTurnWithMessage

    @Test
    void claimTurnWithMessageClaimsAndStoresTheMessageInOneWrite() {
        String t1 = nextTurnId();
        StoredMessage question = userMessage(user, session, t1, "hello");

        assertThat(store.claimTurnWithMessage(question, "c-1", "fp"))
                .isEqualTo(new TurnClaim(t1, question.createdAtMillis(), true, "fp"));

        assertThat(store.history(user, session, 10, null).items()).extracting(StoredMessage::turnId, StoredMessage::text)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(t1, "hello"));
        assertThat(store.claimTurn(user, session, "c-1", nextTurnId(), "fp", 9_000))
                .isEqualTo(new TurnClaim(t1, question.createdAtMillis(), false, "fp"));
    }

    @Test
    void claimTurnWithMessageAgainReturnsTheFirstTurnAndStoresNothing() {
        String t1 = nextTurnId();
        StoredMessage first = userMessage(user, session, t1, "hello");
        store.claimTurnWithMessage(first, "c-1", "fp");

        TurnClaim again = store.claimTurnWithMessage(userMessage(user, session, nextTurnId(), "hello again"), "c-1",
                "other");

        assertThat(again).isEqualTo(new TurnClaim(t1, first.createdAtMillis(), false, "fp"));
        assertThat(store.history(user, session, 10, null).items()).extracting(StoredMessage::text)
                .containsExactly("hello");
    }

    @Test
    void claimTurnWithMessageAfterAClaimAloneStoresNothing() {
        String t1 = nextTurnId();
        store.claimTurn(user, session, "c-1", t1, "fp", 1_000);

        assertThat(store.claimTurnWithMessage(userMessage(user, session, nextTurnId(), "hello"), "c-1", "fp"))
                .isEqualTo(new TurnClaim(t1, 1_000, false, "fp"));
        assertThat(store.history(user, session, 10, null).items()).isEmpty();
    }

    @Test
    void claimTurnWithMessageIsKeyedByUserAndSession() {
        store.claimTurnWithMessage(userMessage(user, session, nextTurnId(), "mine"), "c-1", "fp");

        String t2 = nextTurnId();
        assertThat(store.claimTurnWithMessage(userMessage(otherUser, session, t2, "theirs"), "c-1", "fp").fresh())
                .isTrue();
        assertThat(store.history(otherUser, session, 10, null).items()).extracting(StoredMessage::text)
                .containsExactly("theirs");
        assertThat(store.deleteSession(user, session)).isEqualTo(1);
        assertThat(store.claimTurnWithMessage(userMessage(user, session, nextTurnId(), "anew"), "c-1", "fp").fresh())
                .as("deleting the session deletes its claims too").isTrue();
    }

    // putIfAbsent

    @Test
    void putIfAbsentWritesOnceAndKeepsTheFirstMessage() {
        String t1 = nextTurnId();
        StoredMessage first = userMessage(user, session, t1, "first");
        assertThat(store.putIfAbsent(first)).isTrue();
        assertThat(store.putIfAbsent(userMessage(user, session, t1, "second"))).isFalse();

        assertThat(store.history(user, session, 10, null).items()).containsExactly(first);
    }

    @Test
    void theUserMessageAndTheAnswerOfATurnAreTwoMessages() {
        String t1 = nextTurnId();
        StoredMessage u = userMessage(user, session, t1, "q");
        StoredMessage a = answer(user, session, t1, "a");
        assertThat(store.putIfAbsent(a)).isTrue();
        assertThat(store.putIfAbsent(u)).isTrue();
        assertThat(store.putIfAbsent(a)).isFalse();

        // user message first within a turn, whatever the write order
        assertThat(store.history(user, session, 10, null).items()).containsExactly(u, a);
    }

    // history

    @Test
    void historyOfAnEmptySessionIsEmpty() {
        Page<StoredMessage> page = store.history(user, session, 10, null);
        assertThat(page.items()).isEmpty();
        assertThat(page.nextCursor()).isNull();
    }

    @Test
    void historyPagesFromNewestToOldestEachPageOldestFirst() {
        List<StoredMessage> all = seed(user, session, 3, 1); // u0 a0 u1 a1 u2 a2 u3

        Page<StoredMessage> p1 = store.history(user, session, 3, null);
        assertThat(p1.items()).containsExactlyElementsOf(all.subList(4, 7));
        assertThat(p1.nextCursor()).isNotNull();

        Page<StoredMessage> p2 = store.history(user, session, 3, p1.nextCursor());
        assertThat(p2.items()).containsExactlyElementsOf(all.subList(1, 4));
        assertThat(p2.nextCursor()).isNotNull();

        Page<StoredMessage> p3 = store.history(user, session, 3, p2.nextCursor());
        assertThat(p3.items()).containsExactlyElementsOf(all.subList(0, 1));
        assertThat(p3.nextCursor()).isNull();
    }

    @Test
    void historyInOnePageHasNoCursor() {
        List<StoredMessage> all = seed(user, session, 2, 1);
        Page<StoredMessage> page = store.history(user, session, 50, null);
        assertThat(page.items()).containsExactlyElementsOf(all);
        assertThat(page.nextCursor()).isNull();
    }

    @Test
    void historyOfAnExactMultipleOfTheLimitEndsWithoutLosingOrRepeating() {
        List<StoredMessage> all = seed(user, session, 2, 0); // 4 messages, limit 2

        List<Page<StoredMessage>> pages = allPages(user, session, 2);

        // a store may end with one empty page (DynamoDB cannot know that a full page was the last)
        assertThat(pages).hasSizeBetween(2, 3);
        if (pages.size() == 3) {
            assertThat(pages.get(2).items()).isEmpty();
        }
        assertThat(pages.get(pages.size() - 1).nextCursor()).isNull();
        assertThat(oldestFirst(pages)).containsExactlyElementsOf(all);
    }

    /**
     * Strict reading of the protocol ("nextCursor ... is absent on the oldest page") and of {@link Page}: a full
     * page that is also the oldest carries no cursor. A store that pages with DynamoDB's LastEvaluatedKey alone
     * fails this (DynamoDB returns a key whenever Limit was reached).
     */
    @Test
    void aFullOldestPageHasNoCursor() {
        List<StoredMessage> all = seed(user, session, 2, 0); // 4 messages

        Page<StoredMessage> p1 = store.history(user, session, 2, null);
        Page<StoredMessage> p2 = store.history(user, session, 2, p1.nextCursor());

        assertThat(p2.items()).containsExactlyElementsOf(all.subList(0, 2));
        assertThat(p2.nextCursor()).isNull();
        assertThat(store.history(user, session, 4, null).nextCursor()).isNull();
    }

    @Test
    void followingEveryCursorGivesEveryMessageOnce() {
        List<StoredMessage> all = seed(user, session, 6, 2);
        for (int limit : new int[] {1, 2, 3, 5, 14, 100}) {
            assertThat(oldestFirst(allPages(user, session, limit))).as("limit %d", limit).containsExactlyElementsOf(all);
        }
    }

    @Test
    void historyRefusesACursorItDidNotIssue() {
        seed(user, session, 3, 0);
        assertThatThrownBy(() -> store.history(user, session, 2, "!!!not a cursor!!!"))
                .isInstanceOf(InvalidCursorException.class);
    }

    // recentUpTo

    @Test
    void recentUpToIncludesThisTurnAndEarlierTurnsOnlyOldestFirst() {
        List<StoredMessage> all = seed(user, session, 3, 2); // u0 a0 u1 a1 u2 a2 u3 u4
        String t2 = all.get(4).turnId();
        String t3 = all.get(6).turnId();

        assertThat(store.recentUpTo(user, session, t2, 100)).containsExactlyElementsOf(all.subList(0, 6));
        assertThat(store.recentUpTo(user, session, t3, 100)).containsExactlyElementsOf(all.subList(0, 7));
        assertThat(store.recentUpTo(user, session, all.get(0).turnId(), 100)).containsExactlyElementsOf(all.subList(0, 2));
    }

    @Test
    void recentUpToKeepsTheNewestCountMessages() {
        List<StoredMessage> all = seed(user, session, 3, 2); // u0 a0 u1 a1 u2 a2 u3 u4
        String t2 = all.get(4).turnId();

        assertThat(store.recentUpTo(user, session, t2, 3)).containsExactlyElementsOf(all.subList(3, 6));
        assertThat(store.recentUpTo(user, session, t2, 1)).containsExactly(all.get(5));
        assertThat(store.recentUpTo(all.get(6).userId(), session, all.get(6).turnId(), 2))
                .containsExactly(all.get(5), all.get(6));
    }

    @Test
    void recentUpToOfAnUnknownTurnHasOnlyEarlierMessages() {
        List<StoredMessage> all = seed(user, session, 2, 0);
        String later = nextTurnId();
        assertThat(store.recentUpTo(user, session, later, 100)).containsExactlyElementsOf(all);
        assertThat(store.recentUpTo(user, session + "-none", later, 100)).isEmpty();
    }

    // fromTurn

    @Test
    void fromTurnReadsForwardFromATurnInclusiveOldestFirstAndLeavesToolCallsAndClaimsOut() {
        List<StoredMessage> all = seed(user, session, 3, 1); // u0 a0 u1 a1 u2 a2 u3
        store.claimTurn(user, session, "c-1", all.get(0).turnId(), "fp", 1_000);
        store.putIfAbsent(StoredMessage.toolCall(user, session, all.get(2).turnId(), "", 1, ToolStatus.PENDING,
                new ToolCall(ToolCall.step(0, 0), "call-1", "calculate", "{}", null, 0)));
        seed(otherUser, session, 2, 0);

        assertThat(store.fromTurn(user, session, null, 100)).containsExactlyElementsOf(all);
        assertThat(store.fromTurn(user, session, all.get(2).turnId(), 100)).containsExactlyElementsOf(all.subList(2, 7));
        assertThat(store.fromTurn(user, session, all.get(2).turnId(), 3)).containsExactlyElementsOf(all.subList(2, 5));
        assertThat(store.fromTurn(user, session, all.get(6).turnId(), 100)).containsExactly(all.get(6));
        assertThat(store.fromTurn(user, session, nextTurnId(), 100)).as("a turn after the last").isEmpty();
        assertThat(store.fromTurn(user, session + "-none", null, 100)).isEmpty();
    }

    @Test
    void fromTurnNeverReadsAnotherUsersMessagesOfTheSameSessionId() {
        seed(otherUser, session, 2, 0);
        assertThat(store.fromTurn(user, session, null, 100)).isEmpty();
    }

    // deleteSession

    @Test
    void deleteSessionCountsTheMessagesAndEmptiesTheSession() {
        seed(user, session, 3, 1);
        String t = nextTurnId();
        store.claimTurn(user, session, "c-1", t, "fp", 1_000);
        List<StoredMessage> kept = seed(user, session + "-kept", 1, 0);

        assertThat(store.deleteSession(user, session)).isEqualTo(7);

        assertThat(store.history(user, session, 100, null).items()).isEmpty();
        assertThat(store.recentUpTo(user, session, nextTurnId(), 100)).isEmpty();
        // the claim was an item of the session as well
        String t2 = nextTurnId();
        assertThat(store.claimTurn(user, session, "c-1", t2, "fp", 2_000)).isEqualTo(new TurnClaim(t2, 2_000, true, "fp"));
        // other sessions are untouched
        assertThat(store.history(user, session + "-kept", 100, null).items()).containsExactlyElementsOf(kept);
    }

    @Test
    void deleteSessionOfAnEmptySessionIsZero() {
        assertThat(store.deleteSession(user, session)).isZero();
        seed(user, session, 1, 0);
        assertThat(store.deleteSession(user, session)).isEqualTo(2);
        assertThat(store.deleteSession(user, session)).isZero();
    }

    @Test
    void deleteSessionOfALargeSessionDeletesEverything() {
        seed(user, session, 30, 1); // 61 messages: more than one delete batch
        assertThat(store.deleteSession(user, session)).isEqualTo(61);
        assertThat(store.history(user, session, 100, null).items()).isEmpty();
    }

    // isolation

    @Test
    void twoUsersWithTheSameSessionIdNeverSeeEachOthersMessages() {
        List<StoredMessage> mine = seed(user, session, 2, 1);
        List<StoredMessage> theirs = seed(otherUser, session, 1, 1);

        assertThat(store.history(user, session, 100, null).items()).containsExactlyElementsOf(mine);
        assertThat(store.history(otherUser, session, 100, null).items()).containsExactlyElementsOf(theirs);

        String theirLast = theirs.get(theirs.size() - 1).turnId();
        assertThat(store.recentUpTo(user, session, theirLast, 100))
                .allSatisfy(m -> assertThat(m.userId()).isEqualTo(user))
                .containsExactlyElementsOf(mine);
        assertThat(store.recentUpTo(otherUser, session, theirLast, 100)).containsExactlyElementsOf(theirs);

        assertThat(store.deleteSession(otherUser, session)).isEqualTo(theirs.size());
        assertThat(store.history(user, session, 100, null).items()).containsExactlyElementsOf(mine);
    }

    @Test
    void anotherUsersTurnIsNotFoundThroughMySession() {
        String t = nextTurnId();
        store.putIfAbsent(userMessage(otherUser, session, t, "theirs"));
        assertThat(store.recentUpTo(user, session, t, 10)).isEmpty();
        // and my write of the same turn is my own message, not a duplicate of theirs
        assertThat(store.putIfAbsent(userMessage(user, session, t, "mine"))).isTrue();
        assertThat(store.history(user, session, 10, null).items()).extracting(StoredMessage::text).containsExactly("mine");
    }

    @Test
    void aRepeatedClaimReturnsTheFingerprintOfTheFirstMessage() {
        String t1 = nextTurnId();
        store.claimTurn(user, session, "c-fp", t1, "first", 1_000);
        TurnClaim again = store.claimTurn(user, session, "c-fp", nextTurnId(), "second", 2_000);
        assertThat(again.fresh()).isFalse();
        assertThat(again.fingerprint()).isEqualTo("first");
        assertThat(again.turnId()).isEqualTo(t1);
    }

    private StoredMessage toolStep(String userId, String turnId, int step, ToolStatus status, String result) {
        return StoredMessage.toolCall(userId, session, turnId, result, clock, status,
                new ToolCall(step, "call-" + step, "calculate", "{\"expression\":\"1+1\"}", step == 0 ? "thinking" : null, 3));
    }

    @Test
    void toolCallsAreStoredApartFromHistoryAndReadBackInStepOrder() {
        List<StoredMessage> seeded = seed(user, session, 2, 0);
        String turn = seeded.get(2).turnId();
        assertThat(store.putIfAbsent(toolStep(user, turn, 101, ToolStatus.DONE, "2"))).isTrue();
        assertThat(store.putIfAbsent(toolStep(user, turn, 0, ToolStatus.PENDING, ""))).isTrue();
        assertThat(store.putIfAbsent(toolStep(user, turn, 0, ToolStatus.DONE, "other"))).isFalse();
        assertThat(store.history(user, session, 50, null).items()).hasSize(4).allMatch(m -> m.role() != Role.TOOL);
        assertThat(store.recentUpTo(user, session, turn, 50)).hasSize(4).allMatch(m -> m.role() != Role.TOOL);
        List<StoredMessage> calls = store.toolCalls(user, session, turn, turn);
        assertThat(calls).extracting(m -> m.tool().step()).containsExactly(0, 101);
        assertThat(calls.get(0)).isEqualTo(toolStep(user, turn, 0, ToolStatus.PENDING, ""));
        assertThat(calls.get(1).tool().roundText()).isNull();
        assertThat(store.toolCalls(user, session, seeded.get(0).turnId(), seeded.get(0).turnId())).isEmpty();
        assertThat(store.toolCalls(user, session, seeded.get(0).turnId(), turn)).hasSize(2);
        assertThat(store.toolCalls(otherUser, session, turn, turn)).isEmpty();
    }

    @Test
    void transitionIsACompareAndSetOnTheStatus() {
        String turn = seed(user, session, 0, 1).get(0).turnId();
        store.putIfAbsent(toolStep(user, turn, 0, ToolStatus.PENDING, ""));
        assertThat(store.transition(toolStep(user, turn, 0, ToolStatus.APPROVED, ""), ToolStatus.PENDING)).isTrue();
        assertThat(store.transition(toolStep(user, turn, 0, ToolStatus.DENIED, ""), ToolStatus.PENDING)).isFalse();
        assertThat(store.transition(toolStep(user, turn, 1, ToolStatus.APPROVED, ""), ToolStatus.PENDING)).isFalse();
        assertThat(store.transition(toolStep(otherUser, turn, 0, ToolStatus.DENIED, ""), ToolStatus.APPROVED)).isFalse();
        assertThat(store.toolCalls(user, session, turn, turn)).singleElement()
                .extracting(StoredMessage::toolStatus).isEqualTo(ToolStatus.APPROVED);
        assertThat(store.toolCalls(otherUser, session, turn, turn)).isEmpty();
    }

    @Test
    void aCancelledAnswerKeepsItsStatusAndDeleteSessionRemovesToolCalls() {
        String turn = seed(user, session, 0, 1).get(0).turnId();
        store.putIfAbsent(answer(user, session, turn, "partial").withStatus(StoredMessage.CANCELLED, "partial"));
        store.putIfAbsent(toolStep(user, turn, 0, ToolStatus.DONE, "2"));
        assertThat(store.recentUpTo(user, session, turn, 5)).last().extracting(StoredMessage::status)
                .isEqualTo(StoredMessage.CANCELLED);
        assertThat(store.deleteSession(user, session)).isEqualTo(2);
        assertThat(store.toolCalls(user, session, turn, turn)).isEmpty();
    }

    // supersede and rate (issue 16)

    @Test
    void supersedeMarksTheRangeKeepsTheFirstQuestionWhenAskedAndIsIdempotent() {
        List<StoredMessage> all = seed(user, session, 3, 0);
        String t0 = all.get(0).turnId();
        String t1 = all.get(2).turnId();
        String t2 = all.get(4).turnId();

        assertThat(store.supersede(user, session, t1, t2, true)).isEqualTo(1);
        assertThat(store.supersede(user, session, t1, t2, true)).isZero();
        assertThat(store.supersede(user, session, t0, t1, false)).isEqualTo(2);
        assertThat(store.supersede(otherUser, session, t0, t2, false)).isZero();

        List<StoredMessage> after = store.recentUpTo(user, session, t2, 10);
        assertThat(after).extracting(m -> m.branch().superseded())
                .containsExactly(true, true, false, true, false, false);
        assertThat(after.get(1).text()).isEqualTo("answer 0");
    }

    @Test
    void aBranchIsStoredAndReadBack() {
        String turn = nextTurnId();
        StoredMessage copy = userMessage(user, session, turn, "again")
                .withBranch(dev.switchboard.domain.Branch.answerOf("t-origin"));
        store.putIfAbsent(copy);
        StoredMessage read = StoredMessage.find(store.recentUpTo(user, session, turn, 2), turn, Role.USER);
        assertThat(read.branch()).isEqualTo(dev.switchboard.domain.Branch.answerOf("t-origin"));
        assertThat(read.hiddenCopy()).isTrue();
    }

    @Test
    void rateSetsChangesAndClearsTheRatingOfAnAnswerAndReturnsItAsItWas() {
        List<StoredMessage> all = seed(user, session, 1, 1);
        String answered = all.get(0).turnId();
        dev.switchboard.domain.Rating up = new dev.switchboard.domain.Rating(
                dev.switchboard.domain.Rating.Value.UP, "good", 1_000);
        dev.switchboard.domain.Rating down = new dev.switchboard.domain.Rating(
                dev.switchboard.domain.Rating.Value.DOWN, null, 2_000);

        assertThat(store.rate(user, session, answered, up)).hasValueSatisfying(m -> assertThat(m.rating()).isNull());
        assertThat(store.rate(user, session, answered, down)).hasValueSatisfying(m -> assertThat(m.rating()).isEqualTo(up));
        StoredMessage rated = StoredMessage.find(store.recentUpTo(user, session, answered, 2), answered, Role.ASSISTANT);
        assertThat(rated.rating()).isEqualTo(down);
        assertThat(rated.text()).isEqualTo("answer 0");
        assertThat(store.rate(user, session, answered, null)).hasValueSatisfying(m -> assertThat(m.rating()).isEqualTo(down));
        assertThat(StoredMessage.find(store.recentUpTo(user, session, answered, 2), answered, Role.ASSISTANT).rating())
                .isNull();

        assertThat(store.rate(user, session, all.get(2).turnId(), up)).isEmpty();
        assertThat(store.rate(otherUser, session, answered, up)).isEmpty();
        assertThat(store.recentUpTo(user, session, all.get(2).turnId(), 10)).hasSize(3);
    }

    @Test
    void aCheckpointIsSavedReplacedReadClearedAndKeptOutOfTheMessages() {
        List<StoredMessage> all = seed(user, session, 1, 1);
        String running = all.get(2).turnId();
        dev.switchboard.domain.StreamMarks marks = new dev.switchboard.domain.StreamMarks(4, 0, 0, List.of(5, 10));
        dev.switchboard.domain.RunCheckpoint first = new dev.switchboard.domain.RunCheckpoint(user, session, running,
                "tok1 tok2 ", marks, 1, 1_000, 30, 2, 4, List.of());
        assertThat(store.checkpoint(user, session, running)).isEmpty();

        store.saveCheckpoint(first);
        assertThat(store.checkpoint(user, session, running)).contains(first);
        dev.switchboard.domain.RunCheckpoint second = new dev.switchboard.domain.RunCheckpoint(user, session, running,
                "tok1 tok2 tok3 ", new dev.switchboard.domain.StreamMarks(4, 0, 0, List.of(5, 10, 15)), 2, 1_000, 60, 3, 5,
                List.of(new dev.switchboard.domain.ResumeRequest("conn-1", running, 1, 4L),
                        new dev.switchboard.domain.ResumeRequest("conn-2", running, -1, null)));
        store.saveCheckpoint(second);
        assertThat(store.checkpoint(user, session, running)).contains(second);

        assertThat(store.checkpoint(otherUser, session, running)).as("another user's").isEmpty();
        assertThat(store.checkpoint(user, session, all.get(0).turnId())).as("another turn's").isEmpty();
        assertThat(store.recentUpTo(user, session, running, 10)).as("not a message").hasSize(3);
        assertThat(store.history(user, session, 10, null).items()).hasSize(3);
        assertThat(store.fromTurn(user, session, null, 10)).hasSize(3);

        store.clearCheckpoint(user, session, running);
        assertThat(store.checkpoint(user, session, running)).isEmpty();
        store.clearCheckpoint(user, session, running);

        store.saveCheckpoint(first);
        assertThat(store.deleteSession(user, session)).as("messages only are counted").isEqualTo(3);
        assertThat(store.checkpoint(user, session, running)).isEmpty();
    }
}
