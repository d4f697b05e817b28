package dev.switchboard.testing;

import dev.switchboard.domain.Note;
import dev.switchboard.port.NoteStore;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/** Test-only {@link NoteStore}: sorted by note id within a user, like the table's sort key. */
public class InMemoryNoteStore implements NoteStore {
    private final Map<String, NavigableMap<String, Note>> byUser = new ConcurrentHashMap<>();

    private NavigableMap<String, Note> of(String userId) {
        return byUser.computeIfAbsent(userId, u -> new ConcurrentSkipListMap<>());
    }

    @Override
    public void put(Note note) {
        of(note.userId()).put(note.noteId(), note);
    }

    @Override
    public List<Note> list(String userId) {
        return List.copyOf(of(userId).values());
    }

    @Override
    public boolean delete(String userId, String noteId) {
        return of(userId).remove(noteId) != null;
    }

    @Override
    public int count(String userId) {
        return of(userId).size();
    }
}
