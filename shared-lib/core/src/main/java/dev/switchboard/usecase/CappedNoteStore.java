package dev.switchboard.usecase;

import dev.switchboard.domain.Note;
import dev.switchboard.port.NoteStore;
import dev.switchboard.port.UserHoldings;
import java.util.List;

/**
 * A {@link NoteStore} whose new notes count against the user's notes cap atomically ({@link HoldingLimits}): turns of
 * one user run in parallel across sessions, so counting the notes and then putting one would let parallel
 * {@code save_note} calls pass the cap together. A put beyond the cap throws {@link CapReachedException} and writes
 * nothing; a delete gives the count back.
 */
public final class CappedNoteStore implements NoteStore {
    /** The user holds as many notes as the cap allows. */
    public static final class CapReachedException extends RuntimeException {
        public CapReachedException(int cap) {
            super("the user holds " + cap + " notes, the most kept; delete one first");
        }
    }

    private final NoteStore notes;
    private final HoldingLimits holdings;

    public CappedNoteStore(NoteStore notes, HoldingLimits holdings) {
        this.notes = notes;
        this.holdings = holdings;
    }

    @Override
    public void put(Note note) {
        if (!holdings.tryTake(note.userId(), UserHoldings.Kind.NOTES)) {
            throw new CapReachedException(holdings.cap(UserHoldings.Kind.NOTES));
        }
        try {
            notes.put(note);
        } catch (RuntimeException e) {
            holdings.release(note.userId(), UserHoldings.Kind.NOTES, 1);
            throw e;
        }
    }

    @Override
    public List<Note> list(String userId) {
        return notes.list(userId);
    }

    @Override
    public boolean delete(String userId, String noteId) {
        boolean deleted = notes.delete(userId, noteId);
        if (deleted) {
            holdings.release(userId, UserHoldings.Kind.NOTES, 1);
        }
        return deleted;
    }

    @Override
    public int count(String userId) {
        return notes.count(userId);
    }
}
