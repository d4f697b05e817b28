package dev.switchboard.knowledge;

import dev.switchboard.config.Setting;
import dev.switchboard.port.DocumentStore;
import dev.switchboard.port.MemoryStore;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.switchboard.config.Env;
import java.time.Duration;

/**
 * The user tier: each user's {@link UserKnowledge}, loaded from the stores on first use and kept for a while in a
 * bounded in-process cache (Caffeine), bounded both by users and by bytes: every entry weighs its estimated heap bytes
 * ({@link #weight}), but at least {@code maximumBytes / maximumSize}, so the cache holds at most {@code maximumSize}
 * users and at most {@code maximumBytes} (one user's chunks and vectors can take tens of MB, so a count alone does not
 * bound the heap). Whoever changes a user's memories or documents calls {@link #invalidate}; other
 * instances of the function see the change when their entry expires. Maintenance (eviction) runs on the calling
 * thread, so nothing runs in the background between invocations.
 */
public final class UserKnowledgeCache {
    /** Users kept at most, unless {@link Setting#USER_CACHE_SIZE} says otherwise. */
    public static final int DEFAULT_SIZE = Integer.parseInt(Setting.USER_CACHE_SIZE.defaultValue());
    /** Bytes kept at most, unless {@link Setting#USER_CACHE_MAX_MB} says otherwise. */
    public static final long DEFAULT_MAX_BYTES = Long.parseLong(Setting.USER_CACHE_MAX_MB.defaultValue()) << 20;
    /** Seconds an entry is kept after loading, unless {@link Setting#USER_CACHE_TTL_SECONDS} says otherwise. */
    public static final int DEFAULT_TTL_SECONDS = Integer.parseInt(Setting.USER_CACHE_TTL_SECONDS.defaultValue());

    /** Cache counters since start; {@code hitRate} is 1.0 before the first request, as Caffeine reports it. */
    public record Stats(long hits, long misses, long evictions, double hitRate) {}

    private final MemoryStore memories;
    private final DocumentStore documents;
    private final Cache<String, UserKnowledge> cache;
    private final long maximumBytes;

    public UserKnowledgeCache(MemoryStore memories, DocumentStore documents, long maximumSize, Duration ttl) {
        this(memories, documents, maximumSize, DEFAULT_MAX_BYTES, ttl, Ticker.systemTicker());
    }

    public UserKnowledgeCache(MemoryStore memories, DocumentStore documents, long maximumSize, long maximumBytes,
                              Duration ttl) {
        this(memories, documents, maximumSize, maximumBytes, ttl, Ticker.systemTicker());
    }

    /** @param ticker the time source of expiry (a fake one in tests) */
    public UserKnowledgeCache(MemoryStore memories, DocumentStore documents, long maximumSize, Duration ttl,
                              Ticker ticker) {
        this(memories, documents, maximumSize, DEFAULT_MAX_BYTES, ttl, ticker);
    }

    /**
     * @param maximumSize  users kept at most (0 = no caching)
     * @param maximumBytes estimated heap bytes kept at most (0 = no caching)
     * @param ticker       the time source of expiry (a fake one in tests)
     */
    public UserKnowledgeCache(MemoryStore memories, DocumentStore documents, long maximumSize, long maximumBytes,
                              Duration ttl, Ticker ticker) {
        if (maximumSize < 0 || maximumBytes < 0 || ttl.isNegative()) {
            throw new IllegalArgumentException("cache size, bytes and TTL must not be negative");
        }
        this.memories = memories;
        this.documents = documents;
        this.maximumBytes = maximumSize == 0 ? 0 : maximumBytes;
        long floor = maximumSize == 0 ? 1 : Math.max(1, maximumBytes / maximumSize);
        this.cache = Caffeine.newBuilder()
                .maximumWeight(this.maximumBytes)
                .<String, UserKnowledge>weigher((user, k) -> (int) Math.min(Integer.MAX_VALUE,
                        Math.max(floor, weight(k))))
                .expireAfterWrite(ttl)
                .ticker(ticker)
                .executor(Runnable::run)
                .recordStats()
                .build();
    }

    /**
     * Size, bytes and TTL from {@link Setting#USER_CACHE_SIZE}, {@link Setting#USER_CACHE_MAX_MB} and
     * {@link Setting#USER_CACHE_TTL_SECONDS}, with the defaults above.
     */
    public static UserKnowledgeCache fromEnv(Env env, MemoryStore memories, DocumentStore documents) {
        // the settings' ranges refuse negative values, naming the variable
        return new UserKnowledgeCache(memories, documents, env.integer(Setting.USER_CACHE_SIZE),
                (long) env.integer(Setting.USER_CACHE_MAX_MB) << 20, Duration.ofSeconds(env.integer(Setting.USER_CACHE_TTL_SECONDS)));
    }

    /** Users cached now (Caffeine's estimate). */
    public long estimatedSize() {
        return cache.estimatedSize();
    }

    /** The user's knowledge, from the cache or loaded from the stores (two Queries on the user's partition). */
    public UserKnowledge get(String userId) {
        return cache.get(userId, this::load);
    }

    /** Forgets the user's entry, so the next {@link #get} reads the stores again. */
    public void invalidate(String userId) {
        cache.invalidate(userId);
    }

    /** The estimated heap bytes of the cached entries (their weights; never above {@link #maximumBytes()}). */
    public long weightedBytes() {
        return cache.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
    }

    public long maximumBytes() {
        return maximumBytes;
    }

    /**
     * Estimated heap bytes of one user's entry: strings at two bytes a char, vectors at four bytes a dimension, plus
     * the objects around them (a generous {@value #OBJECT_BYTES} bytes each).
     */
    public static long weight(UserKnowledge k) {
        long bytes = OBJECT_BYTES;
        for (var m : k.memories()) {
            bytes += OBJECT_BYTES * 3 + 2L * (m.text().length() + m.memoryId().length() + m.userId().length())
                    + (m.vector() == null ? 0 : 4L * m.vector().length);
        }
        for (var c : k.chunks()) {
            bytes += OBJECT_BYTES * 3 + 2L * (c.text().length() + c.documentId().length())
                    + (c.vector() == null ? 0 : 4L * c.vector().length);
        }
        for (var t : k.documentTitles().entrySet()) {
            bytes += OBJECT_BYTES * 2 + 2L * (t.getKey().length() + t.getValue().length());
        }
        return bytes;
    }

    private static final int OBJECT_BYTES = 48;

    public Stats stats() {
        var s = cache.stats();
        return new Stats(s.hitCount(), s.missCount(), s.evictionCount(), s.hitRate());
    }

    private UserKnowledge load(String userId) {
        DocumentStore.Ready ready = documents.ready(userId);
        return new UserKnowledge(memories.list(userId), ready.chunks(), ready.titles());
    }
}
