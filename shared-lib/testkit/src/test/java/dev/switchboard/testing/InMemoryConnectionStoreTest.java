package dev.switchboard.testing;

import dev.switchboard.port.ConnectionStore;

/** Runs the {@link ConnectionStore} contract against the in-memory fake. */
class InMemoryConnectionStoreTest extends ConnectionStoreContract {
    @Override
    protected ConnectionStore store() {
        return new InMemoryConnectionStore();
    }
}
