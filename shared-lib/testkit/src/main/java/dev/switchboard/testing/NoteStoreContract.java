package dev.switchboard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.domain.Note;
import dev.switchboard.port.NoteStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link NoteStore} port's contract, for every implementation. Every test uses fresh random user ids, so one
 * shared store can serve all tests.
 */
public abstract class NoteStoreContract {
    protected NoteStore store;
    protected String user;
    protected String otherUser;

    /** The store under test; may be fresh per call or shared (tests never reuse user ids). */
    protected abstract NoteStore store();

    @BeforeEach
    void setUpContract() {
        store = store();
        user = "user-" + UUID.randomUUID();
        otherUser = "user-" + UUID.randomUUID();
    }

    protected static Note note(String userId, long at, String text) {
        return new Note(userId, String.format(Locale.ROOT, "%013d-%08x", at, text.hashCode()), text, at);
    }

    @Test
    void aStoredNoteIsListedAndCounted() {
        Note n = note(user, 1_000, "buy milk");
        store.put(n);

        assertThat(store.list(user)).containsExactly(n);
        assertThat(store.count(user)).isEqualTo(1);
    }

    @Test
    void aUserWithoutNotesHasNone() {
        assertThat(store.list(user)).isEmpty();
        assertThat(store.count(user)).isZero();
        assertThat(store.delete(user, note(user, 1, "x").noteId())).isFalse();
    }

    @Test
    void notesAreListedOldestFirst() {
        Note c = note(user, 3_000, "third");
        Note a = note(user, 1_000, "first");
        Note b = note(user, 2_000, "second");
        store.put(c);
        store.put(a);
        store.put(b);

        assertThat(store.list(user)).containsExactly(a, b, c);
    }

    @Test
    void putWithTheSameIdReplaces() {
        Note n = note(user, 1_000, "draft");
        store.put(n);
        Note edited = new Note(user, n.noteId(), "final", 1_000);
        store.put(edited);

        assertThat(store.list(user)).containsExactly(edited);
        assertThat(store.count(user)).isEqualTo(1);
    }

    @Test
    void deleteSaysWhetherTheNoteExisted() {
        Note keep = note(user, 1_000, "keep");
        Note drop = note(user, 2_000, "drop");
        store.put(keep);
        store.put(drop);

        assertThat(store.delete(user, drop.noteId())).isTrue();
        assertThat(store.delete(user, drop.noteId())).isFalse();

        assertThat(store.list(user)).containsExactly(keep);
        assertThat(store.count(user)).isEqualTo(1);
    }

    @Test
    void notesAreKeyedByUser() {
        Note mine = note(user, 1_000, "mine");
        store.put(mine);
        Note theirs = note(otherUser, 2_000, "theirs");
        store.put(theirs);

        assertThat(store.list(user)).containsExactly(mine);
        assertThat(store.list(otherUser)).containsExactly(theirs);
        assertThat(store.delete(otherUser, mine.noteId())).isFalse();
        assertThat(store.list(user)).containsExactly(mine);
        assertThat(store.count(otherUser)).isEqualTo(1);
    }

    @Test
    void textRoundTripsExactly() {
        String text = "caf\u00e9 \u20ac \uD83D\uDE00 \"quoted\" \\ line\nbreak " + "x".repeat(1_900);
        Note n = note(user, 1_000, text);
        store.put(n);

        assertThat(store.list(user)).containsExactly(n);
    }

    /** Over 1 MB in all, so a DynamoDB Query needs more than one page. */
    @Test
    void manyNotesAreAllListedAndCounted() {
        List<Note> all = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            Note n = note(user, 10_000 + i, "note " + i + " " + "y".repeat(9_000));
            store.put(n);
            all.add(n);
        }

        assertThat(store.list(user)).containsExactlyElementsOf(all);
        assertThat(store.count(user)).isEqualTo(120);
    }
}
