package dev.switchboard.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.domain.Session;
import dev.switchboard.port.InvalidCursorException;
import dev.switchboard.port.SessionStore;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The guard of the isolation property test finds calls keyed by, and items of, a user it does not act for. */
class IsolationGuardTest {
    private final IsolationGuard guard = new IsolationGuard();
    private final InMemorySessionStore raw = new InMemorySessionStore();
    private final SessionStore sessions = guard.guard(SessionStore.class, raw);

    @BeforeEach
    void setUp() {
        raw.createIfAbsent(new Session("alice", "s-a", "a", 1, 1));
        raw.createIfAbsent(new Session("bob", "s-b", "b", 1, 1));
        guard.allow(Set.of("alice"));
    }

    @Test
    void callsKeyedByTheActingUserThatMeetOnlyItsItemsPass() {
        assertThat(sessions.get("alice", "s-a")).isPresent();
        assertThat(sessions.list("alice", 10, null).items()).hasSize(1);
        sessions.createIfAbsent(new Session("alice", "s-a2", "a2", 2, 2));

        assertThat(guard.violations()).isEmpty();
        assertThat(guard.calls()).isEqualTo(3);
        assertThat(guard.reads()).isEqualTo(3); // get, list and the stored session createIfAbsent returns
        assertThat(guard.writes()).isEqualTo(1);
    }

    @Test
    void aCallKeyedByAnotherUserIsAViolation() {
        sessions.get("bob", "s-b");
        sessions.createIfAbsent(new Session("bob", "s-b2", "b2", 2, 2));

        assertThat(guard.violations()).contains("SessionStore.get keyed by bob while acting for [alice]",
                "SessionStore.createIfAbsent keyed by bob while acting for [alice]");
    }

    @Test
    void anItemOfAnotherUserInAResultIsAViolation() {
        SessionStore leaky = guard.guard(SessionStore.class, new InMemorySessionStore() {
            @Override
            public Optional<Session> get(String userId, String sessionId) {
                return raw.get("bob", sessionId);
            }
        });

        assertThat(leaky.get("alice", "s-b")).isPresent();

        assertThat(guard.violations()).containsExactly("SessionStore.get for alice met an item of bob");
    }

    @Test
    void theStoresExceptionsReachTheCallerUnchanged() {
        assertThatThrownBy(() -> sessions.list("alice", 10, "%%%")).isInstanceOf(InvalidCursorException.class);
    }
}
