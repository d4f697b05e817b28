package dev.switchboard.knowledge;

import dev.switchboard.config.Setting;
import dev.switchboard.domain.KnowledgeDocument;
import dev.switchboard.port.DocumentStore;
import dev.switchboard.port.MemoryStore;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.switchboard.config.Env;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The user tier: each user's {@link UserKnowledge}, loaded from the stores on first use and kept for a while in a
 * bounded in-process cache (Caffeine). Whoever changes a user's memories or documents calls {@link #invalidate}; other
 * instances of the function see the change when their entry expires. Maintenance (eviction) runs on the calling
 * thread, so nothing runs in the background between invocations.
 */
public final class UserKnowledgeCache {
    /** Users kept at most, unless {@link Setting#USER_CACHE_SIZE} says otherwise. */
    public static final int DEFAULT_SIZE = Integer.parseInt(Setting.USER_CACHE_SIZE.defaultValue());
    /** Seconds an entry is kept after loading, unless {@link Setting#USER_CACHE_TTL_SECONDS} says otherwise. */
    public static final int DEFAULT_TTL_SECONDS = Integer.parseInt(Setting.USER_CACHE_TTL_SECONDS.defaultValue());

    /** Cache counters since start; {@code hitRate} is 1.0 before the first request, as Caffeine reports it. */
    public record Stats(long hits, long misses, long evictions, double hitRate) {}

    private final MemoryStore memories;
    private final DocumentStore documents;
    private final Cache<String, UserKnowledge> cache;

    public UserKnowledgeCache(MemoryStore memories, DocumentStore documents, long maximumSize, Duration ttl) {
        this(memories, documents, maximumSize, ttl, Ticker.systemTicker());
    }

    /** @param ticker the time source of expiry (a fake one in tests) */
    public UserKnowledgeCache(MemoryStore memories, DocumentStore documents, long maximumSize, Duration ttl,
                              Ticker ticker) {
        if (maximumSize < 0 || ttl.isNegative()) {
            throw new IllegalArgumentException("cache size and TTL must not be negative");
        }
        this.memories = memories;
        this.documents = documents;
        this.cache = Caffeine.newBuilder()
                .maximumSize(maximumSize)
                .expireAfterWrite(ttl)
                .ticker(ticker)
                .executor(Runnable::run)
                .recordStats()
                .build();
    }

    /** Size and TTL from {@link Setting#USER_CACHE_SIZE} and {@link Setting#USER_CACHE_TTL_SECONDS}, with the defaults above. */
    public static UserKnowledgeCache fromEnv(Env env, MemoryStore memories, DocumentStore documents) {
        // the settings' ranges refuse negative values, naming the variable
        return new UserKnowledgeCache(memories, documents, env.integer(Setting.USER_CACHE_SIZE),
                Duration.ofSeconds(env.integer(Setting.USER_CACHE_TTL_SECONDS)));
    }

    /** The user's knowledge, from the cache or loaded from the stores (three Queries on the user's partition). */
    /** Users cached now (Caffeine's estimate). */
    public long estimatedSize() {
        return cache.estimatedSize();
    }

    public UserKnowledge get(String userId) {
        return cache.get(userId, this::load);
    }

    /** Forgets the user's entry, so the next {@link #get} reads the stores again. */
    public void invalidate(String userId) {
        cache.invalidate(userId);
    }

    public Stats stats() {
        var s = cache.stats();
        return new Stats(s.hitCount(), s.missCount(), s.evictionCount(), s.hitRate());
    }

    private UserKnowledge load(String userId) {
        Map<String, String> titles = new HashMap<>();
        for (KnowledgeDocument d : documents.listDocuments(userId)) {
            if (d.status() == KnowledgeDocument.Status.READY) {
                titles.put(d.documentId(), d.title());
            }
        }
        return new UserKnowledge(memories.list(userId), documents.chunks(userId), titles);
    }
}
