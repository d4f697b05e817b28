package dev.switchboard.agent;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.switchboard.knowledge.KnowledgeRetriever;
import dev.switchboard.port.KnowledgeVersions;
import dev.switchboard.knowledge.UserKnowledgeCache;
import dev.switchboard.protocol.ServerEvent;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The user tier behind each turn: the user's memories and document chunks come from the bounded cache; the user's
 * knowledge version (one read per turn: the worker reads it with the day's tokens) tells whether the cached copy is
 * still current, and a changed version invalidates it. Only the turn's own user is ever looked up.
 */
public final class KnowledgeContextSource implements TurnContext.Source {
    private final KnowledgeRetriever retriever;
    private final UserKnowledgeCache cache;
    private final KnowledgeVersions versions;
    private final Cache<String, Long> seenVersions;

    public KnowledgeContextSource(KnowledgeRetriever retriever, UserKnowledgeCache cache, KnowledgeVersions versions,
                                  long maximumUsers, Duration ttl) {
        this.retriever = retriever;
        this.cache = cache;
        this.versions = versions;
        this.seenVersions = Caffeine.newBuilder().maximumSize(maximumUsers).expireAfterWrite(ttl)
                .executor(Runnable::run).build();
    }

    @Override
    public TurnContext forTurn(String userId, String message) {
        return forTurn(userId, message, versions.current(userId));
    }

    @Override
    public TurnContext forTurn(String userId, String message, long knowledgeVersion) {
        refreshIfChanged(userId, knowledgeVersion);
        KnowledgeRetriever.Retrieved found = retriever.retrieve(userId, message);
        if (found.isEmpty()) {
            return TurnContext.EMPTY;
        }
        List<ServerEvent.Source> sources = found.chunks().stream()
                .map(c -> new ServerEvent.Source(c.chunk().documentId(), c.documentTitle(), c.chunk().index(),
                        Math.round(c.score() * 1000) / 1000.0))
                .toList();
        return new TurnContext(KnowledgeRetriever.asContext(found), sources, found.memories().size());
    }

    /** Drops the cached copy when the user's knowledge changed since it was loaded. */
    private void refreshIfChanged(String userId, long current) {
        Long seen = seenVersions.getIfPresent(userId);
        if (!Objects.equals(seen, current)) {
            cache.invalidate(userId);
            seenVersions.put(userId, current);
        }
    }
}
