package dev.switchboard.port;

import dev.switchboard.domain.Note;

import java.util.List;

/** A user's notes, keyed by owner first: no call reaches another user's notes. */
public interface NoteStore {
    /** Stores the note, replacing one with the same owner and id. */
    void put(Note note);

    /** The user's notes, oldest first (by note id). */
    List<Note> list(String userId);

    /** @return true when the user had a note with this id */
    boolean delete(String userId, String noteId);

    int count(String userId);
}
