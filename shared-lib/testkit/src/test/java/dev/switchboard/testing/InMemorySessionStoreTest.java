package dev.switchboard.testing;

import dev.switchboard.port.SessionStore;

/** Runs the {@link SessionStore} contract against the in-memory fake. */
class InMemorySessionStoreTest extends SessionStoreContract {
    @Override
    protected SessionStore store() {
        return new InMemorySessionStore();
    }
}
