package dev.switchboard.knowledge;

import dev.switchboard.domain.KnowledgeLimits;
import dev.switchboard.domain.Memory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.testing.HashingEmbedder;
import dev.switchboard.testing.InMemoryMemoryStore;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryReconcilerTest {
    private final InMemoryMemoryStore store = new InMemoryMemoryStore();
    private final HashingEmbedder embedder = new HashingEmbedder();

    private MemoryReconciler.Summary apply(List<MemoryOp> ops) {
        return MemoryReconciler.apply("u1", "s-2", "t-2", ops, store, embedder, () -> 5_000);
    }

    private Memory existing(String id, String text) {
        Memory m = new Memory("u1", id, text, "s-1", "t-1", 1_000, 1_000, embedder.embed(text));
        store.put(m);
        return m;
    }

    @Test
    void addCreatesAMemoryWithANewIdItsVectorAndItsSource() {
        var summary = apply(List.of(MemoryOp.add("The user has a cat named Mia.")));

        assertThat(summary).isEqualTo(new MemoryReconciler.Summary(1, 0, 0, 0));
        assertThat(summary.changed()).isTrue();
        Memory m = store.list("u1").get(0);
        assertThat(m.memoryId()).matches("m-[0-9a-f]{32}");
        assertThat(m.text()).isEqualTo("The user has a cat named Mia.");
        assertThat(m.vector()).containsExactly(embedder.embed("The user has a cat named Mia."));
        assertThat(m.sourceSessionId()).isEqualTo("s-2");
        assertThat(m.sourceTurnId()).isEqualTo("t-2");
        assertThat(m.createdAtMillis()).isEqualTo(5_000);
        assertThat(m.updatedAtMillis()).isEqualTo(5_000);
    }

    @Test
    void updateReplacesTextAndVectorKeepingIdAndCreationTime() {
        existing("m-1", "The user lives in Porto.");

        var summary = apply(List.of(MemoryOp.update("m-1", "The user lives in Lisbon.")));

        assertThat(summary).isEqualTo(new MemoryReconciler.Summary(0, 1, 0, 0));
        assertThat(store.list("u1")).containsExactly(new Memory("u1", "m-1", "The user lives in Lisbon.", "s-2", "t-2",
                1_000, 5_000, embedder.embed("The user lives in Lisbon.")));
    }

    @Test
    void deleteRemovesTheMemory() {
        existing("m-1", "The user likes tea.");
        existing("m-2", "The user likes jazz.");

        var summary = apply(List.of(MemoryOp.delete("m-1")));

        assertThat(summary).isEqualTo(new MemoryReconciler.Summary(0, 0, 1, 0));
        assertThat(store.list("u1")).extracting(Memory::memoryId).containsExactly("m-2");
    }

    @Test
    void operationsOnUnknownMemoriesOrWithInvalidTextsAreSkipped() {
        existing("m-1", "The user likes tea.");

        var summary = apply(List.of(MemoryOp.update("m-404", "x"), MemoryOp.delete("m-404"),
                MemoryOp.add(" "), MemoryOp.add("y".repeat(KnowledgeLimits.MAX_MEMORY_CHARS + 1)),
                MemoryOp.update("m-1", "My password is hunter2"), new MemoryOp(MemoryOp.Kind.NONE, null, null)));

        assertThat(summary).isEqualTo(new MemoryReconciler.Summary(0, 0, 0, 6));
        assertThat(summary.changed()).isFalse();
        assertThat(store.list("u1")).extracting(Memory::text).containsExactly("The user likes tea.");
    }

    @Test
    void aMemoryDeletedInTheSameBatchIsNotUpdated() {
        existing("m-1", "The user likes tea.");
        var summary = apply(List.of(MemoryOp.update("m-1", "The user likes coffee."), MemoryOp.delete("m-1")));
        assertThat(summary).isEqualTo(new MemoryReconciler.Summary(0, 0, 1, 1));
        assertThat(store.list("u1")).isEmpty();
    }

    @Test
    void addsStopAtTheLimitPerUserAfterDeletesMadeRoom() {
        for (int i = 0; i < KnowledgeLimits.MAX_MEMORIES_PER_USER; i++) {
            existing(String.format("m-%03d", i), "fact " + i);
        }
        List<MemoryOp> ops = new ArrayList<>();
        ops.add(MemoryOp.add("new one"));
        ops.add(MemoryOp.add("new two"));
        ops.add(MemoryOp.delete("m-000")); // applied first: makes room for one

        var summary = apply(ops);

        assertThat(summary).isEqualTo(new MemoryReconciler.Summary(1, 0, 1, 1));
        assertThat(store.count("u1")).isEqualTo(KnowledgeLimits.MAX_MEMORIES_PER_USER);
        assertThat(store.list("u1")).extracting(Memory::text).contains("new one").doesNotContain("new two", "fact 0");
    }

    @Test
    void textsAreEmbeddedInOneCallAndNothingIsReadForNoOperations() {
        existing("m-1", "The user likes tea.");
        int before = embedder.calls.get();

        apply(List.of(MemoryOp.add("a"), MemoryOp.add("b"), MemoryOp.update("m-1", "c")));
        assertThat(embedder.calls.get() - before).isEqualTo(1);

        int lists = store.lists.get();
        assertThat(apply(List.of())).isEqualTo(new MemoryReconciler.Summary(0, 0, 0, 0));
        assertThat(store.lists.get()).isEqualTo(lists);
    }

    @Test
    void onlyTheGivenUsersMemoriesAreChanged() {
        store.put(new Memory("u2", "m-1", "u2 likes tea.", null, null, 1, 1, null));

        var summary = apply(List.of(MemoryOp.delete("m-1"), MemoryOp.update("m-1", "hijacked")));

        assertThat(summary.changed()).isFalse();
        assertThat(store.list("u2")).extracting(Memory::text).containsExactly("u2 likes tea.");
        assertThat(store.list("u1")).isEmpty();
    }

    @Test
    void extractedOperationsFlowIntoTheStore() {
        Memory tea = existing("m-1", "The user likes tea.");
        MemoryExtractor extractor = new MemoryExtractor((system, user) -> """
                {"operations":[{"op":"UPDATE","id":"1","text":"The user likes green tea."},
                               {"op":"ADD","text":"The user is learning Portuguese."}]}""");

        List<MemoryOp> ops = extractor.extract("I only drink green tea now, and I'm learning Portuguese.", "Great!",
                List.of(tea));
        var summary = apply(ops);

        assertThat(summary).isEqualTo(new MemoryReconciler.Summary(1, 1, 0, 0));
        assertThat(store.list("u1")).extracting(Memory::text)
                .containsExactlyInAnyOrder("The user likes green tea.", "The user is learning Portuguese.");
    }
}
