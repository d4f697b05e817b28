package dev.switchboard.knowledge;

import dev.switchboard.config.Setting;
import dev.switchboard.domain.Chunk;
import dev.switchboard.domain.KnowledgeDocument;
import dev.switchboard.domain.Memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.switchboard.config.Env;
import dev.switchboard.testing.InMemoryDocumentStore;
import dev.switchboard.testing.InMemoryMemoryStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class UserKnowledgeCacheTest {
    /** A clock for Caffeine that moves only when told. */
    static final class FakeTicker implements Ticker {
        private final AtomicLong nanos = new AtomicLong();

        @Override
        public long read() {
            return nanos.get();
        }

        void advance(Duration d) {
            nanos.addAndGet(d.toNanos());
        }
    }

    private final InMemoryMemoryStore memories = new InMemoryMemoryStore();
    private final InMemoryDocumentStore documents = new InMemoryDocumentStore();
    private final FakeTicker ticker = new FakeTicker();

    private UserKnowledgeCache cache(long size, Duration ttl) {
        return new UserKnowledgeCache(memories, documents, size, ttl, ticker);
    }

    private void memory(String user, String id, String text) {
        memories.put(new Memory(user, id, text, "s", "t", 1, 1, new float[] {1, 0}));
    }

    private void readyDocument(String user, String id, String title) {
        documents.putDocument(new KnowledgeDocument(user, id, title, 10, 1, KnowledgeDocument.Status.INDEXING, 1),
                List.of(new Chunk(user, id, 0, "text of " + id, null)));
        documents.markReady(user, id, List.of(new float[] {0, 1}));
    }

    @Test
    void loadsMemoriesReadyChunksAndTheirTitles() {
        memory("u1", "m-1", "likes tea");
        readyDocument("u1", "d-1", "Recipes");
        documents.putDocument(new KnowledgeDocument("u1", "d-2", "Pending", 5, 1, KnowledgeDocument.Status.INDEXING, 1),
                List.of(new Chunk("u1", "d-2", 0, "pending", null)));

        UserKnowledge k = cache(10, Duration.ofMinutes(5)).get("u1");

        assertThat(k.memories()).extracting(Memory::text).containsExactly("likes tea");
        assertThat(k.chunks()).extracting(Chunk::text).containsExactly("text of d-1");
        assertThat(k.documentTitles()).isEqualTo(Map.of("d-1", "Recipes"));
        assertThat(k.isEmpty()).isFalse();
    }

    @Test
    void theSecondGetIsAHitAndDoesNotReadTheStores() {
        memory("u1", "m-1", "likes tea");
        UserKnowledgeCache cache = cache(10, Duration.ofMinutes(5));

        UserKnowledge first = cache.get("u1");
        UserKnowledge second = cache.get("u1");

        assertThat(second).isSameAs(first);
        assertThat(memories.lists.get()).isEqualTo(1);
        assertThat(documents.chunkQueries.get()).isEqualTo(1);
        UserKnowledgeCache.Stats stats = cache.stats();
        assertThat(stats.hits()).isEqualTo(1);
        assertThat(stats.misses()).isEqualTo(1);
        assertThat(stats.evictions()).isZero();
        assertThat(stats.hitRate()).isEqualTo(0.5);
    }

    @Test
    void usersAreCachedSeparately() {
        memory("u1", "m-1", "u1's fact");
        memory("u2", "m-1", "u2's fact");
        UserKnowledgeCache cache = cache(10, Duration.ofMinutes(5));

        assertThat(cache.get("u1").memories()).extracting(Memory::text).containsExactly("u1's fact");
        assertThat(cache.get("u2").memories()).extracting(Memory::text).containsExactly("u2's fact");
        assertThat(cache.get("u3").isEmpty()).isTrue();
        assertThat(cache.stats().misses()).isEqualTo(3);
    }

    @Test
    void invalidateMakesTheNextGetReadTheStoresAgain() {
        memory("u1", "m-1", "old");
        UserKnowledgeCache cache = cache(10, Duration.ofMinutes(5));
        cache.get("u1");
        memory("u1", "m-2", "new");
        assertThat(cache.get("u1").memories()).hasSize(1); // still the cached entry

        cache.invalidate("u1");

        assertThat(cache.get("u1").memories()).extracting(Memory::text).containsExactly("old", "new");
        assertThat(cache.stats().misses()).isEqualTo(2);
        assertThat(memories.lists.get()).isEqualTo(2);
    }

    @Test
    void anEntryExpiresAfterTheTtl() {
        memory("u1", "m-1", "old");
        UserKnowledgeCache cache = cache(10, Duration.ofSeconds(300));
        cache.get("u1");
        memory("u1", "m-2", "new");

        ticker.advance(Duration.ofSeconds(299));
        assertThat(cache.get("u1").memories()).hasSize(1);
        ticker.advance(Duration.ofSeconds(2));
        assertThat(cache.get("u1").memories()).hasSize(2);

        assertThat(cache.stats().hits()).isEqualTo(1);
        assertThat(cache.stats().misses()).isEqualTo(2);
        assertThat(cache.stats().evictions()).isEqualTo(1);
    }

    @Test
    void theLeastUsefulUserIsEvictedBeyondTheMaximumSize() {
        UserKnowledgeCache cache = cache(2, Duration.ofMinutes(5));
        for (String u : new String[] {"u1", "u2", "u3", "u4"}) {
            cache.get(u);
        }
        assertThat(cache.stats().evictions()).isEqualTo(2);
        assertThat(cache.stats().misses()).isEqualTo(4);

        int loadsBefore = memories.lists.get();
        for (String u : new String[] {"u1", "u2", "u3", "u4"}) {
            cache.get(u);
        }
        // only two users fit: at least two of the four are read again
        assertThat(memories.lists.get() - loadsBefore).isGreaterThanOrEqualTo(2);
    }

    @Test
    void sizeAndTtlComeFromTheEnvironmentWithDefaults() {
        assertThat(UserKnowledgeCache.DEFAULT_SIZE).isEqualTo(1000);
        assertThat(UserKnowledgeCache.DEFAULT_TTL_SECONDS).isEqualTo(300);

        UserKnowledgeCache tiny = UserKnowledgeCache.fromEnv(new Env(Map.of(Setting.USER_CACHE_SIZE.name(), "1",
                Setting.USER_CACHE_TTL_SECONDS.name(), "60")), memories, documents);
        tiny.get("u1");
        tiny.get("u2");
        assertThat(tiny.stats().evictions()).isEqualTo(1);

        UserKnowledgeCache defaults = UserKnowledgeCache.fromEnv(new Env(Map.of()), memories, documents);
        for (int i = 0; i < 20; i++) {
            defaults.get("u" + i);
        }
        assertThat(defaults.stats().evictions()).isZero();

        assertThatThrownBy(() -> UserKnowledgeCache.fromEnv(new Env(Map.of(Setting.USER_CACHE_SIZE.name(), "many")), memories,
                documents)).hasMessageContaining(Setting.USER_CACHE_SIZE.name());
        assertThatThrownBy(() -> UserKnowledgeCache.fromEnv(new Env(Map.of(Setting.USER_CACHE_TTL_SECONDS.name(), "-1")),
                memories, documents)).hasMessageContaining(Setting.USER_CACHE_TTL_SECONDS.name());
    }

    @Test
    void theReturnedKnowledgeCannotBeChangedByTheCaller() {
        memory("u1", "m-1", "fact");
        UserKnowledge k = cache(10, Duration.ofMinutes(5)).get("u1");
        assertThatThrownBy(() -> k.memories().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> k.documentTitles().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
    }
}
