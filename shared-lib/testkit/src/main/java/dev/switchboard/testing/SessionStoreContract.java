package dev.switchboard.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.domain.BusyPolicy;
import dev.switchboard.domain.Page;
import dev.switchboard.domain.ResumeRequest;
import dev.switchboard.domain.RunClaim;
import dev.switchboard.domain.Session;
import dev.switchboard.port.InvalidCursorException;
import dev.switchboard.port.SessionStore;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link SessionStore} port's contract, for every implementation. Every test uses fresh random user ids, so one
 * shared store can serve all tests.
 */
public abstract class SessionStoreContract {
    protected SessionStore store;
    protected String user;
    protected String otherUser;

    /** The store under test; may be fresh per call or shared (tests never reuse user ids). */
    protected abstract SessionStore store();

    @BeforeEach
    void setUpContract() {
        store = store();
        user = "user-" + UUID.randomUUID();
        otherUser = "user-" + UUID.randomUUID();
    }

    protected static Session session(String userId, String sessionId, long at) {
        return new Session(userId, sessionId, "title of " + sessionId, at, at);
    }

    private List<Session> listAll(String userId, int limit) {
        List<Session> all = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            Page<Session> page = store.list(userId, limit, cursor);
            assertThat(page.items()).hasSizeLessThanOrEqualTo(limit);
            all.addAll(page.items());
            cursor = page.nextCursor();
            assertThat(++pages).as("paging must end").isLessThan(100);
        } while (cursor != null);
        return all;
    }

    @Test
    void getOfAMissingSessionIsEmpty() {
        assertThat(store.get(user, "s-missing")).isEmpty();
    }

    @Test
    void createIfAbsentCreates() {
        Session s = session(user, "s-1", 1_000);
        assertThat(store.createIfAbsent(s)).isEqualTo(s);
        assertThat(store.get(user, "s-1")).contains(s);
    }

    @Test
    void createIfAbsentReturnsTheExistingSession() {
        Session first = session(user, "s-1", 1_000);
        store.createIfAbsent(first);

        Session second = new Session(user, "s-1", "another title", 5_000, 5_000);
        assertThat(store.createIfAbsent(second)).isEqualTo(first);
        assertThat(store.get(user, "s-1")).contains(first);
    }

    @Test
    void touchUpdatesUpdatedAtOnly() {
        Session s = session(user, "s-1", 1_000);
        store.createIfAbsent(s);

        assertThat(store.touch(user, "s-1", 9_000)).isTrue();

        assertThat(store.get(user, "s-1")).contains(new Session(user, "s-1", s.title(), 1_000, 9_000));
    }

    @Test
    void touchDoesNotResurrectADeletedSession() {
        store.createIfAbsent(session(user, "s-1", 1_000));
        assertThat(store.delete(user, "s-1")).isTrue();

        assertThat(store.touch(user, "s-1", 9_000)).isFalse();

        assertThat(store.get(user, "s-1")).isEmpty();
        assertThat(listAll(user, 10)).isEmpty();
    }

    @Test
    void touchDoesNotCreateASession() {
        assertThat(store.touch(user, "s-never", 9_000)).isFalse();
        assertThat(store.get(user, "s-never")).isEmpty();
    }

    @Test
    void deleteSaysWhetherTheSessionExisted() {
        store.createIfAbsent(session(user, "s-1", 1_000));
        assertThat(store.delete(user, "s-1")).isTrue();
        assertThat(store.delete(user, "s-1")).isFalse();
        assertThat(store.delete(user, "s-never")).isFalse();
        assertThat(store.get(user, "s-1")).isEmpty();
    }

    @Test
    void sessionsAreKeyedByUser() {
        Session mine = session(user, "s-1", 1_000);
        store.createIfAbsent(mine);

        assertThat(store.get(otherUser, "s-1")).isEmpty();
        assertThat(store.delete(otherUser, "s-1")).isFalse();
        store.touch(otherUser, "s-1", 9_000);
        assertThat(store.get(otherUser, "s-1")).isEmpty();
        assertThat(store.get(user, "s-1")).contains(mine);

        Session theirs = session(otherUser, "s-1", 2_000);
        assertThat(store.createIfAbsent(theirs)).isEqualTo(theirs);
        assertThat(store.get(user, "s-1")).contains(mine);
        assertThat(store.get(otherUser, "s-1")).contains(theirs);
    }

    @Test
    void listPagesThroughTheCallersSessionsOnly() {
        List<Session> mine = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Session s = session(user, "s-" + i, 1_000 + i);
            store.createIfAbsent(s);
            mine.add(s);
        }
        List<Session> theirs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Session s = session(otherUser, "s-" + i + "-theirs", 2_000 + i);
            store.createIfAbsent(s);
            theirs.add(s);
        }

        Page<Session> first = store.list(user, 2, null);
        assertThat(first.items()).hasSize(2);
        assertThat(first.nextCursor()).isNotNull();

        for (int limit : new int[] {1, 2, 3, 5, 100}) {
            assertThat(listAll(user, limit)).as("limit %d", limit).containsExactlyInAnyOrderElementsOf(mine);
            assertThat(listAll(otherUser, limit)).as("limit %d", limit).containsExactlyInAnyOrderElementsOf(theirs);
        }
    }

    @Test
    void aPartialLastPageHasNoCursor() {
        for (int i = 0; i < 3; i++) {
            store.createIfAbsent(session(user, "s-" + i, 1_000 + i));
        }
        Page<Session> p1 = store.list(user, 2, null);
        Page<Session> p2 = store.list(user, 2, p1.nextCursor());
        assertThat(p2.items()).hasSize(1);
        assertThat(p2.nextCursor()).isNull();
    }

    /** Strict: a full last page carries no cursor (see {@link Page}). */
    @Test
    void aFullLastPageHasNoCursor() {
        for (int i = 0; i < 4; i++) {
            store.createIfAbsent(session(user, "s-" + i, 1_000 + i));
        }
        Page<Session> p1 = store.list(user, 2, null);
        Page<Session> p2 = store.list(user, 2, p1.nextCursor());
        assertThat(p2.items()).hasSize(2);
        assertThat(p2.nextCursor()).isNull();
        assertThat(store.list(user, 4, null).nextCursor()).isNull();
    }

    @Test
    void listIsOrderedBySessionId() {
        for (String id : new String[] {"s-c", "s-a", "s-e", "s-b", "s-d"}) {
            store.createIfAbsent(session(user, id, 1_000));
        }
        assertThat(listAll(user, 2)).extracting(Session::sessionId).containsExactly("s-a", "s-b", "s-c", "s-d", "s-e");
    }

    @Test
    void listOfAUserWithoutSessionsIsEmpty() {
        Page<Session> page = store.list(user, 20, null);
        assertThat(page.items()).isEmpty();
        assertThat(page.nextCursor()).isNull();
    }

    @Test
    void listRefusesACursorThatIsNotOne() {
        store.createIfAbsent(session(user, "s-1", 1_000));
        assertThatThrownBy(() -> store.list(user, 2, "!!!not a cursor!!!")).isInstanceOf(InvalidCursorException.class);
    }

    @Test
    void updateChangesOnlyTheGivenSettingsAndEmptyClears() {
        store.createIfAbsent(session(user, "s-1", 1_000));
        Session a = store.update(user, "s-1", null, "offline:echo", "Be brief.", BusyPolicy.REJECT).orElseThrow();
        assertThat(a.title()).isEqualTo("title of s-1");
        assertThat(a.model()).isEqualTo("offline:echo");
        assertThat(a.systemPrompt()).isEqualTo("Be brief.");
        assertThat(a.busyPolicy()).isEqualTo(BusyPolicy.REJECT);
        Session b = store.update(user, "s-1", "renamed", null, "", null).orElseThrow();
        assertThat(b.title()).isEqualTo("renamed");
        assertThat(b.model()).isEqualTo("offline:echo");
        assertThat(b.systemPrompt()).isNull();
        assertThat(b.busyPolicy()).isEqualTo(BusyPolicy.REJECT);
        assertThat(store.get(user, "s-1")).contains(b);
    }

    @Test
    void updateOfAMissingOrForeignSessionIsEmptyAndCreatesNothing() {
        store.createIfAbsent(session(user, "s-1", 1_000));
        assertThat(store.update(otherUser, "s-1", "x", "m", "p", BusyPolicy.INTERRUPT)).isEmpty();
        assertThat(store.get(otherUser, "s-1")).isEmpty();
        assertThat(store.get(user, "s-1").orElseThrow().model()).isNull();
    }

    @Test
    void turnMarksOnlyMoveForward() {
        store.createIfAbsent(session(user, "s-1", 1_000));
        assertThat(store.markAccepted(user, "s-1", "t-002", "c-2")).isTrue();
        assertThat(store.markAccepted(user, "s-1", "t-001", "c-1")).isTrue();
        Session s = store.get(user, "s-1").orElseThrow();
        assertThat(s.lastTurnId()).isEqualTo("t-002");
        assertThat(s.lastClientMessageId()).isEqualTo("c-2");
        assertThat(s.busy()).isTrue();
        assertThat(store.markSettled(user, "s-1", "t-001", 2_000)).isTrue();
        assertThat(store.get(user, "s-1").orElseThrow().busy()).isTrue();
        assertThat(store.markSettled(user, "s-1", "t-002", 3_000)).isTrue();
        assertThat(store.markSettled(user, "s-1", "t-001", 4_000)).isTrue();
        s = store.get(user, "s-1").orElseThrow();
        assertThat(s.settledTurnId()).isEqualTo("t-002");
        assertThat(s.busy()).isFalse();
        assertThat(s.updatedAtMillis()).isGreaterThanOrEqualTo(3_000);
        assertThat(store.cancelUpTo(user, "s-1", "t-002")).isTrue();
        assertThat(store.cancelUpTo(user, "s-1", "t-001")).isTrue();
        s = store.get(user, "s-1").orElseThrow();
        assertThat(s.cancelUpTo()).isEqualTo("t-002");
        assertThat(s.cancelled("t-001")).isTrue();
        assertThat(s.cancelled("t-003")).isFalse();
    }

    @Test
    void turnMarksNeverCreateOrTouchAnotherUsersSession() {
        store.createIfAbsent(session(user, "s-1", 1_000));
        assertThat(store.markAccepted(otherUser, "s-1", "t-1", "c-1")).isFalse();
        assertThat(store.markSettled(otherUser, "s-1", "t-1", 2_000)).isFalse();
        assertThat(store.cancelUpTo(otherUser, "s-1", "t-1")).isFalse();
        assertThat(store.get(otherUser, "s-1")).isEmpty();
        Session mine = store.get(user, "s-1").orElseThrow();
        assertThat(mine.lastTurnId()).isNull();
        assertThat(mine.cancelUpTo()).isNull();
    }

    @Test
    void aRunClaimHoldsTheSessionUntilItEndsLapsesOrIsReleased() {
        store.createIfAbsent(session(user, "s-1", 1_000));
        RunClaim first = store.claimRun(user, "s-1", "t-1", 10_000, 20_000);
        assertThat(first.status()).isEqualTo(RunClaim.Status.CLAIMED);
        assertThat(first.session().sessionId()).isEqualTo("s-1");
        assertThat(first.restarted()).isFalse();
        RunClaim held = store.claimRun(user, "s-1", "t-1", 15_000, 25_000);
        assertThat(held.status()).isEqualTo(RunClaim.Status.HELD);
        assertThat(held.heldUntil()).isEqualTo(20_000);
        store.releaseRun(user, "s-1", first.attempt() + 5); // not the live claim: nothing changes
        assertThat(store.claimRun(user, "s-1", "t-1", 16_000, 26_000).status()).isEqualTo(RunClaim.Status.HELD);

        // the holder died: its claim lapses at its deadline, and the next run of the same turn is a restart
        RunClaim second = store.claimRun(user, "s-1", "t-1", 20_001, 30_000);
        assertThat(second.status()).isEqualTo(RunClaim.Status.CLAIMED);
        assertThat(second.attempt()).isGreaterThan(first.attempt());
        assertThat(second.restarted()).isTrue();
        // a failed run releases its claim: the retry claims at once, also a restart
        store.releaseRun(user, "s-1", second.attempt());
        RunClaim third = store.claimRun(user, "s-1", "t-1", 21_000, 31_000);
        assertThat(third.status()).isEqualTo(RunClaim.Status.CLAIMED);
        assertThat(third.restarted()).isTrue();
        // settling ends the claim and the turn: the next turn starts fresh
        assertThat(store.settle(user, "s-1", "t-1", 22_000)).isPresent();
        RunClaim next = store.claimRun(user, "s-1", "t-2", 22_001, 32_000);
        assertThat(next.status()).isEqualTo(RunClaim.Status.CLAIMED);
        assertThat(next.restarted()).isFalse();
        assertThat(next.attempt()).isGreaterThan(third.attempt());
    }

    @Test
    void aRunClaimOfAMissingOrForeignSessionIsGoneAndCreatesNothing() {
        store.createIfAbsent(session(user, "s-1", 1_000));
        assertThat(store.claimRun(otherUser, "s-1", "t-1", 1, 2).status()).isEqualTo(RunClaim.Status.GONE);
        assertThat(store.claimRun(user, "s-9", "t-1", 1, 2).status()).isEqualTo(RunClaim.Status.GONE);
        store.releaseRun(otherUser, "s-1", 1);
        assertThat(store.get(otherUser, "s-1")).isEmpty();
        assertThat(store.get(user, "s-9")).isEmpty();
    }

    @Test
    void resumeRequestsWaitOnTheSessionUntilTheTurnSettles() {
        store.createIfAbsent(session(user, "s-1", 1_000));
        var a = new ResumeRequest("conn-a", "t-1", 4, 3L);
        var b = new ResumeRequest("conn-b", "t-1", -1, null);
        assertThat(store.requestResume(user, "s-1", a)).isTrue();
        assertThat(store.requestResume(user, "s-1", b)).isTrue();
        assertThat(store.requestResume(otherUser, "s-1", a)).isFalse();
        assertThat(store.get(otherUser, "s-1")).isEmpty();
        assertThat(store.get(user, "s-1").orElseThrow().resumes()).containsExactly(a, b);

        Session before = store.settle(user, "s-1", "t-1", 2_000).orElseThrow();
        assertThat(before.resumes()).containsExactly(a, b);
        assertThat(store.get(user, "s-1").orElseThrow().resumes()).isEmpty();
        assertThat(store.get(user, "s-1").orElseThrow().settledTurnId()).isEqualTo("t-1");
        assertThat(store.settle(otherUser, "s-1", "t-1", 2_000)).isEmpty();
    }

    @Test
    void aSessionHoldsAtMostMaxResumesRequests() {
        store.createIfAbsent(session(user, "s-1", 1_000));
        for (int i = 0; i < SessionStore.MAX_RESUMES; i++) {
            assertThat(store.requestResume(user, "s-1", new ResumeRequest("c-" + i, "t-1", i, 1L))).isTrue();
        }
        assertThat(store.requestResume(user, "s-1", new ResumeRequest("c-x", "t-1", 0, 1L))).isFalse();
        assertThat(store.get(user, "s-1").orElseThrow().resumes()).hasSize(SessionStore.MAX_RESUMES);
    }

    @Test
    void retitleSetsTheTitleOnlyWhileItIsTheExpectedOne() {
        store.createIfAbsent(session(user, "s-title", 1_000));

        assertThat(store.retitle(user, "s-title", "title of s-title", "Generated"))
                .hasValueSatisfying(s -> assertThat(s.title()).isEqualTo("Generated"));
        store.update(user, "s-title", "Renamed", null, null, null);
        assertThat(store.retitle(user, "s-title", "Generated", "Late")).isEmpty();
        assertThat(store.get(user, "s-title").orElseThrow().title()).isEqualTo("Renamed");
        assertThat(store.retitle(otherUser, "s-title", "Renamed", "x")).isEmpty();
        assertThat(store.get(otherUser, "s-title")).isEmpty();
        assertThat(store.retitle(user, "s-none", "Renamed", "x")).isEmpty();
        assertThat(store.get(user, "s-none")).isEmpty();
    }

    @Test
    void aHoldMarkIsReadWithTheSessionAndClearedOnlyByItsOwnJob() {
        store.createIfAbsent(session(user, "s-1", 1_000));
        assertThat(store.get(user, "s-1").orElseThrow().held()).isNull();

        assertThat(store.markHeld(user, "s-1", "t-1")).isTrue();
        assertThat(store.markHeld(user, "s-1", "t-2")).isTrue();
        assertThat(store.get(user, "s-1").orElseThrow().held()).isEqualTo("t-2");
        store.clearHeld(user, "s-1", "t-1");
        assertThat(store.get(user, "s-1").orElseThrow().held()).as("a newer hold's mark stays").isEqualTo("t-2");
        store.clearHeld(user, "s-1", "t-2");
        assertThat(store.get(user, "s-1").orElseThrow().held()).isNull();
        assertThat(store.get(user, "s-1").orElseThrow().title()).isEqualTo("title of s-1");
    }

    @Test
    void aHoldMarkOfAMissingSessionWritesNothing() {
        assertThat(store.markHeld(user, "s-gone", "t-1")).isFalse();
        store.clearHeld(user, "s-gone", "t-1");
        assertThat(store.get(user, "s-gone")).isEmpty();
    }
}
