package dev.switchboard.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.domain.Memory;
import dev.switchboard.knowledge.KnowledgeRetriever;
import dev.switchboard.knowledge.UserKnowledgeCache;
import dev.switchboard.testing.HashingEmbedder;
import dev.switchboard.testing.InMemoryDocumentStore;
import dev.switchboard.testing.InMemoryKnowledgeVersions;
import dev.switchboard.testing.InMemoryMemoryStore;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The user tier's freshness: a cached user's memories are used while the knowledge version is the one they were
 * loaded at, and reloaded once it changed, whether the source reads the version itself or is given it (read with the
 * day's tokens in one request).
 */
class KnowledgeContextSourceTest {
    private static final String USER = "u1";
    private final HashingEmbedder embedder = new HashingEmbedder();
    private final AtomicInteger versionReads = new AtomicInteger();
    private final InMemoryMemoryStore memories = new InMemoryMemoryStore();
    private final InMemoryKnowledgeVersions versions = new InMemoryKnowledgeVersions() {
        @Override
        public long current(String userId) {
            versionReads.incrementAndGet();
            return super.current(userId);
        }
    };
    private final UserKnowledgeCache cache = new UserKnowledgeCache(memories, new InMemoryDocumentStore(), 10,
            Duration.ofHours(1));
    private final KnowledgeContextSource source = new KnowledgeContextSource(new KnowledgeRetriever(embedder, cache),
            cache, versions, 10, Duration.ofHours(1));

    private void remember(String id, String text) {
        memories.put(new Memory(USER, id, text, "s", "t", 1, 1, embedder.embed(text)));
    }

    @Test
    void aGivenVersionIsNotReadAgainAndAChangedOneReloadsTheCachedUser() {
        remember("m-1", "The user's dog is called Rex.");
        assertThat(source.forTurn(USER, "my dog Rex", 0).memories()).isEqualTo(1);

        remember("m-2", "The user's other dog is called Rex too.");
        assertThat(source.forTurn(USER, "my dog Rex", 0).memories()).as("same version: the cached copy").isEqualTo(1);
        assertThat(source.forTurn(USER, "my dog Rex", 1).memories()).as("a new version: reloaded").isEqualTo(2);
        assertThat(versionReads).as("the version was given each time, never read").hasValue(0);
    }

    @Test
    void withoutAGivenVersionTheSourceReadsItEachTurn() {
        remember("m-1", "The user's dog is called Rex.");
        assertThat(source.forTurn(USER, "my dog Rex").memories()).isEqualTo(1);
        remember("m-2", "The user's other dog is called Rex too.");
        versions.bump(USER);
        assertThat(source.forTurn(USER, "my dog Rex").memories()).isEqualTo(2);
        assertThat(versionReads).hasValue(2);
    }
}
