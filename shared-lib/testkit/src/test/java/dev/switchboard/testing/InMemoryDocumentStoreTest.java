package dev.switchboard.testing;

import dev.switchboard.port.DocumentStore;

/** Runs the {@link DocumentStore} contract against the in-memory fake. */
class InMemoryDocumentStoreTest extends DocumentStoreContract {
    @Override
    protected DocumentStore store() {
        return new InMemoryDocumentStore();
    }
}
