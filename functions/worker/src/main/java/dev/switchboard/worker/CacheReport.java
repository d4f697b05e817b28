package dev.switchboard.worker;

import dev.switchboard.knowledge.UserKnowledgeCache;

/** The user cache's counters at the last report: each report takes the hits and misses since the one before. */
final class CacheReport {
    /** Hits and misses since the last report. */
    record Since(long hits, long misses) {}

    private long hits;
    private long misses;

    synchronized Since since(UserKnowledgeCache.Stats now) {
        Since since = new Since(now.hits() - hits, now.misses() - misses);
        hits = now.hits();
        misses = now.misses();
        return since;
    }
}
