package dev.switchboard.testing;

import dev.switchboard.port.MemoryStore;

/** Runs the {@link MemoryStore} contract against the in-memory fake. */
class InMemoryMemoryStoreTest extends MemoryStoreContract {
    @Override
    protected MemoryStore store() {
        return new InMemoryMemoryStore();
    }
}
