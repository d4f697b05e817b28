package dev.switchboard.testing;

import dev.switchboard.port.MessageStore;

/** Runs the {@link MessageStore} contract against the in-memory fake. */
class InMemoryMessageStoreTest extends MessageStoreContract {
    @Override
    protected MessageStore store() {
        return new InMemoryMessageStore();
    }
}
