package dev.switchboard.testing;

import dev.switchboard.port.NoteStore;

/** Runs the {@link NoteStore} contract against the in-memory fake. */
class InMemoryNoteStoreTest extends NoteStoreContract {
    @Override
    protected NoteStore store() {
        return new InMemoryNoteStore();
    }
}
