package dev.switchboard.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.domain.KnowledgeLimits;
import dev.switchboard.domain.Memory;
import dev.switchboard.port.MemoryStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link MemoryStore} port's contract, for every implementation. Every test uses fresh random user ids, so one
 * shared store can serve all tests.
 */
public abstract class MemoryStoreContract {
    protected MemoryStore store;
    protected String user;
    protected String otherUser;

    /** The store under test; may be fresh per call or shared (tests never reuse user ids). */
    protected abstract MemoryStore store();

    @BeforeEach
    void setUpContract() {
        store = store();
        user = "user-" + UUID.randomUUID();
        otherUser = "user-" + UUID.randomUUID();
    }

    /** A vector with awkward float values (negative, tiny, huge, -0), so a lossy encoding shows. */
    protected static float[] vector(long seed, int dims) {
        Random r = new Random(seed);
        float[] v = new float[dims];
        for (int i = 0; i < dims; i++) {
            v[i] = (float) r.nextGaussian();
        }
        v[0] = -0.0f;
        v[1] = Float.MIN_VALUE;
        v[2] = -Float.MAX_VALUE;
        return v;
    }

    protected static Memory memory(String userId, String memoryId, String text, long at) {
        return new Memory(userId, memoryId, text, "s-1", "1700000000000-0000000" + (at % 10), at, at,
                vector(text.hashCode(), 384));
    }

    @Test
    void aUserWithoutMemoriesHasNone() {
        assertThat(store.list(user)).isEmpty();
        assertThat(store.count(user)).isZero();
        assertThat(store.deleteAll(user)).isZero();
    }

    @Test
    void putThenListReturnsTheMemoryWithItsExactVector() {
        Memory m = memory(user, "m-1", "The user's dog is called Rex.", 1_000);
        store.put(m);

        List<Memory> listed = store.list(user);
        assertThat(listed).containsExactly(m);
        assertThat(listed.get(0).vector()).containsExactly(m.vector());
        assertThat(Float.floatToRawIntBits(listed.get(0).vector()[0])).isEqualTo(Float.floatToRawIntBits(-0.0f));
        assertThat(store.count(user)).isEqualTo(1);
    }

    @Test
    void aMemoryWithoutSourceOrVectorRoundTrips() {
        Memory m = new Memory(user, "m-1", "Prefers tea. ünïcødé ✓ 😀", null, null, 5, 6, null);
        store.put(m);
        assertThat(store.list(user)).containsExactly(m);
    }

    @Test
    void putReplacesTheMemoryWithTheSameId() {
        Memory first = memory(user, "m-1", "Likes cats.", 1_000);
        store.put(first);
        Memory second = first.withText("Likes cats and dogs.", vector(7, 384), "s-2", "t-2", 2_000);
        store.put(second);

        assertThat(store.list(user)).containsExactly(second);
        assertThat(store.count(user)).isEqualTo(1);
    }

    @Test
    void listIsOrderedByMemoryId() {
        for (String id : new String[] {"m-c", "m-a", "m-b"}) {
            store.put(memory(user, id, "fact " + id, 1_000));
        }
        assertThat(store.list(user)).extracting(Memory::memoryId).containsExactly("m-a", "m-b", "m-c");
    }

    @Test
    void deleteSaysWhetherTheMemoryExisted() {
        store.put(memory(user, "m-1", "one", 1_000));
        store.put(memory(user, "m-2", "two", 1_000));

        assertThat(store.delete(user, "m-1")).isTrue();
        assertThat(store.delete(user, "m-1")).isFalse();
        assertThat(store.delete(user, "m-never")).isFalse();
        assertThat(store.list(user)).extracting(Memory::memoryId).containsExactly("m-2");
    }

    @Test
    void deleteAllRemovesEveryMemoryOfTheUserAndNoOneElse() {
        List<Memory> theirs = new ArrayList<>();
        for (int i = 0; i < 60; i++) { // more than one BatchWriteItem (25)
            store.put(memory(user, "m-" + i, "fact " + i, 1_000 + i));
        }
        for (int i = 0; i < 3; i++) {
            Memory m = memory(otherUser, "m-" + i, "their fact " + i, 2_000 + i);
            store.put(m);
            theirs.add(m);
        }
        assertThat(store.count(user)).isEqualTo(60);

        assertThat(store.deleteAll(user)).isEqualTo(60);

        assertThat(store.list(user)).isEmpty();
        assertThat(store.count(user)).isZero();
        assertThat(store.list(otherUser)).containsExactlyInAnyOrderElementsOf(theirs);
    }

    @Test
    void memoriesAreKeyedByUser() {
        Memory mine = memory(user, "m-1", "mine", 1_000);
        store.put(mine);

        assertThat(store.list(otherUser)).isEmpty();
        assertThat(store.count(otherUser)).isZero();
        assertThat(store.delete(otherUser, "m-1")).isFalse();
        assertThat(store.deleteAll(otherUser)).isZero();
        assertThat(store.list(user)).containsExactly(mine);

        Memory theirs = memory(otherUser, "m-1", "theirs", 2_000);
        store.put(theirs);
        assertThat(store.list(user)).containsExactly(mine);
        assertThat(store.list(otherUser)).containsExactly(theirs);
        assertThat(store.delete(otherUser, "m-1")).isTrue();
        assertThat(store.list(user)).containsExactly(mine);
    }

    @Test
    void theLargestAllowedSetOfMemoriesIsListedWhole() {
        String text = "x".repeat(KnowledgeLimits.MAX_MEMORY_CHARS);
        for (int i = 0; i < KnowledgeLimits.MAX_MEMORIES_PER_USER; i++) {
            store.put(memory(user, String.format("m-%03d", i), text, i));
        }
        List<Memory> all = store.list(user);
        assertThat(all).hasSize(KnowledgeLimits.MAX_MEMORIES_PER_USER);
        assertThat(all).allSatisfy(m -> assertThat(m.vector()).hasSize(384));
        assertThat(store.count(user)).isEqualTo(KnowledgeLimits.MAX_MEMORIES_PER_USER);
    }

    @Test
    void anIdWithTheKeySeparatorIsRefused() {
        assertThatThrownBy(() -> store.put(memory(user, "m#1", "x", 1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.delete(user, "m#1")).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.list(user)).isEmpty();
    }
}
