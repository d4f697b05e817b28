package dev.switchboard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.domain.Branch;
import dev.switchboard.domain.Ids;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.Session;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.TurnClaim;
import dev.switchboard.port.MessageStore;
import dev.switchboard.port.SessionStore;
import dev.switchboard.port.TurnAdmissions;
import dev.switchboard.port.TurnAdmissions.Admitted;
import dev.switchboard.port.TurnAdmissions.Claimed;
import dev.switchboard.port.TurnAdmissions.Quota;
import dev.switchboard.port.TurnAdmissions.Refused;
import dev.switchboard.port.TurnAdmissions.SessionGone;
import dev.switchboard.port.UserQuotas;
import dev.switchboard.port.UserQuotas.Verdict;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link TurnAdmissions} port's contract, for every implementation: all of a turn's writes or none. What is
 * stored is read back through the stores the admissions write to. Every test uses a fresh random user id.
 */
public abstract class TurnAdmissionsContract {
    private static final long NOW = 1_795_000_020_000L; // 20 s into a minute
    private static final long HOLD = 60_000;
    private static final String SESSION = "s1";

    /** The admissions under test and the stores they write to. */
    public record Stores(TurnAdmissions admissions, SessionStore sessions, MessageStore messages,
                            UserQuotas quotas) {}

    protected abstract Stores stores();

    private final Ids ids = new Ids();
    private TurnAdmissions admissions;
    private SessionStore sessions;
    private MessageStore messages;
    private UserQuotas quotas;
    private String user;

    @BeforeEach
    void setUpContract() {
        Stores stores = stores();
        admissions = stores.admissions();
        sessions = stores.sessions();
        messages = stores.messages();
        quotas = stores.quotas();
        user = "user-" + UUID.randomUUID();
    }

    private void createSession() {
        sessions.createIfAbsent(new Session(user, SESSION, "t", NOW, NOW));
    }

    private StoredMessage message(String turnId) {
        return new StoredMessage(user, SESSION, turnId, Role.USER, "hello", NOW, null, null, null, null, Branch.NONE,
                null);
    }

    @Test
    void aFreshTurnStoresItsClaimMessageMarkCountAndSlot() {
        createSession();
        String turnId = ids.newTurnId(NOW);

        TurnAdmissions.Outcome outcome = admissions.admit(message(turnId), "c1", "f1", new Quota(1, 0, 1, HOLD));

        assertThat(outcome).isEqualTo(new Admitted(new TurnClaim(turnId, NOW, true, "f1")));
        assertThat(messages.history(user, SESSION, 10, null).items()).singleElement()
                .satisfies(m -> assertThat(m.turnId()).isEqualTo(turnId))
                .satisfies(m -> assertThat(m.text()).isEqualTo("hello"));
        Session session = sessions.get(user, SESSION).orElseThrow();
        assertThat(session.lastTurnId()).isEqualTo(turnId);
        assertThat(session.lastClientMessageId()).isEqualTo("c1");
        assertThat(quotas.tryStartTurn(user, NOW + 1, 1, 0)).as("counted in its minute")
                .isEqualTo(Verdict.TURNS_PER_MINUTE);
        assertThat(quotas.tryTakeSlot(user, "s2", "c9", NOW + 1, 1, HOLD)).as("its slot is held").isFalse();
        assertThat(messages.claimTurn(user, SESSION, "c1", "other", "f1", NOW + 1))
                .as("its claim").isEqualTo(new TurnClaim(turnId, NOW, false, "f1"));
    }

    @Test
    void aRetryReturnsTheEarlierClaimAndStoresNothing() {
        createSession();
        String first = ids.newTurnId(NOW);
        admissions.admit(message(first), "c1", "f1", null);

        TurnAdmissions.Outcome retry = admissions.admit(message(ids.newTurnId(NOW + 5)), "c1", "f1", null);

        assertThat(retry).isEqualTo(new Claimed(new TurnClaim(first, NOW, false, "f1")));
        assertThat(messages.history(user, SESSION, 10, null).items()).extracting(StoredMessage::turnId)
                .containsExactly(first);
        assertThat(sessions.get(user, SESSION).orElseThrow().lastTurnId()).isEqualTo(first);
        assertThat(quotas.tryStartTurn(user, NOW + 6, 1, 0)).as("nothing counted").isEqualTo(Verdict.OK);
    }

    @Test
    void aReusedClientMessageIdReturnsTheFirstMessagesFingerprint() {
        createSession();
        admissions.admit(message(ids.newTurnId(NOW)), "c1", "f1", null);

        TurnAdmissions.Outcome reused = admissions.admit(message(ids.newTurnId(NOW + 5)), "c1", "f2", null);

        assertThat(reused).isInstanceOfSatisfying(Claimed.class,
                c -> assertThat(c.claim().fingerprint()).isEqualTo("f1"));
        assertThat(messages.history(user, SESSION, 10, null).items()).hasSize(1);
    }

    @Test
    void aResendWithAQuotaPassesTheLimitsAndWithoutOneIsClaimedWhateverTheySay() {
        createSession();
        String first = ids.newTurnId(NOW);
        admissions.admit(message(first), "c1", "f1", new Quota(1, 0, 0, HOLD));

        assertThat(admissions.admit(message(ids.newTurnId(NOW + 5)), "c1", "f1", new Quota(1, 0, 0, HOLD)))
                .isEqualTo(new Refused(Verdict.TURNS_PER_MINUTE));
        assertThat(admissions.admit(message(ids.newTurnId(NOW + 6)), "c1", "f1", null))
                .isEqualTo(new Claimed(new TurnClaim(first, NOW, false, "f1")));
    }

    @Test
    void aTurnOverItsMinuteStoresNothing() {
        createSession();
        assertThat(quotas.tryStartTurn(user, NOW, 0, 0)).isEqualTo(Verdict.OK);

        assertThat(admissions.admit(message(ids.newTurnId(NOW)), "c1", "f1", new Quota(1, 0, 1, HOLD)))
                .isEqualTo(new Refused(Verdict.TURNS_PER_MINUTE));

        assertNothingOfTheTurnStored();
        assertThat(quotas.tryStartTurn(user, NOW + 1, 2, 0)).as("not counted").isEqualTo(Verdict.OK);
        assertThat(quotas.tryTakeSlot(user, "s2", "c9", NOW + 1, 1, HOLD)).as("no slot taken").isTrue();
    }

    @Test
    void aTurnOverTheDaysTokensStoresNothing() {
        createSession();
        quotas.charge(user, "call-1", NOW, 100);

        assertThat(admissions.admit(message(ids.newTurnId(NOW)), "c1", "f1", new Quota(0, 100, 1, HOLD)))
                .isEqualTo(new Refused(Verdict.TOKENS_PER_DAY));

        assertNothingOfTheTurnStored();
        assertThat(quotas.tryStartTurn(user, NOW + 1, 1, 0)).as("not counted").isEqualTo(Verdict.OK);
        assertThat(quotas.tryTakeSlot(user, "s2", "c9", NOW + 1, 1, HOLD)).as("no slot taken").isTrue();
    }

    @Test
    void aTurnBeyondTheRunningAnswersStoresNothingNotEvenItsCount() {
        createSession();
        assertThat(quotas.tryTakeSlot(user, "s2", "c9", NOW, 1, HOLD)).isTrue();

        assertThat(admissions.admit(message(ids.newTurnId(NOW)), "c1", "f1", new Quota(1, 0, 1, HOLD)))
                .isEqualTo(new Refused(Verdict.RUNNING_ANSWERS));

        assertNothingOfTheTurnStored();
        assertThat(quotas.tryStartTurn(user, NOW + 1, 1, 0)).as("not counted").isEqualTo(Verdict.OK);
    }

    @Test
    void aLapsedSlotIsFreedForTheTurn() {
        createSession();
        assertThat(quotas.tryTakeSlot(user, "s2", "c9", NOW - 2 * HOLD, 1, HOLD)).isTrue();
        String turnId = ids.newTurnId(NOW);

        assertThat(admissions.admit(message(turnId), "c1", "f1", new Quota(0, 0, 1, HOLD)))
                .isEqualTo(new Admitted(new TurnClaim(turnId, NOW, true, "f1")));
        assertThat(quotas.tryTakeSlot(user, "s2", "c10", NOW + 1, 1, HOLD)).as("the turn holds the slot").isFalse();
    }

    @Test
    void aTurnForAMissingSessionStoresNothing() {
        assertThat(admissions.admit(message(ids.newTurnId(NOW)), "c1", "f1", new Quota(1, 0, 1, HOLD)))
                .isEqualTo(new SessionGone());

        assertThat(sessions.get(user, SESSION)).as("no session made").isEmpty();
        assertNothingOfTheTurnStored();
        assertThat(quotas.tryStartTurn(user, NOW + 1, 1, 0)).as("not counted").isEqualTo(Verdict.OK);
        assertThat(quotas.tryTakeSlot(user, "s2", "c9", NOW + 1, 1, HOLD)).as("no slot taken").isTrue();
    }

    @Test
    void aTurnOlderThanTheSessionsNewestMarkIsAdmittedAndTheMarkStays() {
        createSession();
        String older = ids.newTurnId(NOW);
        String newer = ids.newTurnId(NOW + 10);
        assertThat(sessions.markAccepted(user, SESSION, newer, "c2")).isTrue();

        assertThat(admissions.admit(message(older), "c1", "f1", null))
                .isEqualTo(new Admitted(new TurnClaim(older, NOW, true, "f1")));

        assertThat(sessions.get(user, SESSION).orElseThrow().lastTurnId()).isEqualTo(newer);
        assertThat(messages.history(user, SESSION, 10, null).items()).extracting(StoredMessage::turnId)
                .containsExactly(older);
    }

    private void assertNothingOfTheTurnStored() {
        assertThat(messages.history(user, SESSION, 10, null).items()).as("no message").isEmpty();
        sessions.get(user, SESSION).ifPresent(s -> assertThat(s.lastTurnId()).as("no mark").isNull());
        assertThat(messages.claimTurn(user, SESSION, "c1", "probe", "f1", NOW + 1).fresh()).as("no claim").isTrue();
    }
}
