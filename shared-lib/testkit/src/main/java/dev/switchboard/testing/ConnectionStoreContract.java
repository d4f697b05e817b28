package dev.switchboard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.domain.Connection;
import dev.switchboard.port.ConnectionStore;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link ConnectionStore} port's contract, for every implementation. Every test uses fresh random user and
 * connection ids, so one shared store can serve all tests.
 */
public abstract class ConnectionStoreContract {
    protected ConnectionStore store;
    protected String user;
    protected String otherUser;
    protected long nowSeconds;

    /** The store under test; may be fresh per call or shared (tests never reuse ids). */
    protected abstract ConnectionStore store();

    @BeforeEach
    void setUpContract() {
        store = store();
        user = "user-" + UUID.randomUUID();
        otherUser = "user-" + UUID.randomUUID();
        nowSeconds = System.currentTimeMillis() / 1000;
    }

    protected static String newConnectionId() {
        return "conn-" + UUID.randomUUID();
    }

    /** A connection that is live for two more hours. */
    protected Connection live(String userId, String connectionId) {
        return new Connection(userId, connectionId, nowSeconds * 1000, nowSeconds + 7_200);
    }

    @Test
    void aUserWithoutConnectionsHasNone() {
        assertThat(store.listByUser(user)).isEmpty();
    }

    @Test
    void putThenListByUser() {
        Connection c = live(user, newConnectionId());
        store.put(c);
        assertThat(store.listByUser(user)).containsExactly(c);
    }

    @Test
    void everyConnectionOfTheUserIsListed() {
        Connection a = live(user, newConnectionId());
        Connection b = live(user, newConnectionId());
        Connection c = live(user, newConnectionId());
        store.put(a);
        store.put(b);
        store.put(c);
        assertThat(store.listByUser(user)).containsExactlyInAnyOrder(a, b, c);
    }

    @Test
    void putOfTheSameConnectionReplacesIt() {
        String id = newConnectionId();
        store.put(live(user, id));
        Connection renewed = new Connection(user, id, nowSeconds * 1000 + 5, nowSeconds + 9_000);
        store.put(renewed);
        assertThat(store.listByUser(user)).containsExactly(renewed);
    }

    @Test
    void deleteRemovesOnlyThatConnection() {
        Connection a = live(user, newConnectionId());
        Connection b = live(user, newConnectionId());
        store.put(a);
        store.put(b);

        store.delete(user, a.connectionId());

        assertThat(store.listByUser(user)).containsExactly(b);
        store.delete(user, a.connectionId()); // deleting again is harmless
        store.delete(user, newConnectionId());
        assertThat(store.listByUser(user)).containsExactly(b);
    }

    @Test
    void connectionsAreKeyedByUser() {
        Connection mine = live(user, newConnectionId());
        Connection theirs = live(otherUser, newConnectionId());
        store.put(mine);
        store.put(theirs);

        assertThat(store.listByUser(user)).containsExactly(mine);
        assertThat(store.listByUser(otherUser)).containsExactly(theirs);

        store.delete(otherUser, mine.connectionId()); // another user cannot delete my connection
        assertThat(store.listByUser(user)).containsExactly(mine);
    }

    @Test
    void expiredConnectionsAreNotListed() {
        Connection expired = new Connection(user, newConnectionId(), (nowSeconds - 8_000) * 1000, nowSeconds - 800);
        Connection live = live(user, newConnectionId());
        store.put(expired);
        store.put(live);

        assertThat(store.listByUser(user)).containsExactly(live);
    }
}
