package dev.switchboard.testing;

import dev.switchboard.port.KnowledgeVersions;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Test-only {@link KnowledgeVersions}. */
public class InMemoryKnowledgeVersions implements KnowledgeVersions {
    private final Map<String, Long> versions = new ConcurrentHashMap<>();

    @Override
    public long current(String userId) {
        return versions.getOrDefault(userId, 0L);
    }

    @Override
    public void bump(String userId) {
        versions.merge(userId, 1L, Long::sum);
    }
}
