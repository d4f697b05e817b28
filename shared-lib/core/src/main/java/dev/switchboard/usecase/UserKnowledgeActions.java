package dev.switchboard.usecase;

import dev.switchboard.domain.TurnRequest;
import dev.switchboard.domain.Chunk;
import dev.switchboard.port.DocumentStore;
import dev.switchboard.domain.KnowledgeDocument;
import dev.switchboard.port.KnowledgeVersions;
import dev.switchboard.domain.Memory;
import dev.switchboard.port.MemoryStore;
import dev.switchboard.port.Clock;
import dev.switchboard.port.TurnQueue;
import dev.switchboard.port.UserHoldings;
import dev.switchboard.protocol.ClientAction;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.ServerEvent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The message function's memory and knowledge-base actions. A document is stored as chunks at once and embedded by the
 * worker (an {@code index} job), which pushes {@code documentReady}; every change bumps the user's knowledge version so
 * no worker keeps using a deleted memory or document.
 */
public final class UserKnowledgeActions implements KnowledgeActions {
    private static final Logger LOG = LoggerFactory.getLogger(UserKnowledgeActions.class);

    private final MemoryStore memories;
    private final DocumentStore documents;
    private final KnowledgeVersions versions;
    private final TurnQueue queue;
    private final Clock clock;
    private final HoldingLimits holdings;

    /** No cap on documents, no limit on adding them. */
    public UserKnowledgeActions(MemoryStore memories, DocumentStore documents, KnowledgeVersions versions,
                                TurnQueue queue, Clock clock) {
        this(memories, documents, versions, queue, clock, HoldingLimits.NONE);
    }

    /** @param holdings the cap on documents and the per-minute limit on adding them */
    public UserKnowledgeActions(MemoryStore memories, DocumentStore documents, KnowledgeVersions versions,
                                TurnQueue queue, Clock clock, HoldingLimits holdings) {
        this.holdings = holdings;
        this.memories = memories;
        this.documents = documents;
        this.versions = versions;
        this.queue = queue;
        this.clock = clock;
    }

    public MemoryStore memories() {
        return memories;
    }

    @Override
    public ServerEvent listMemories(String userId) {
        return new ServerEvent.Memories(memories.list(userId).stream()
                .sorted(Comparator.comparingLong(Memory::createdAtMillis))
                .map(m -> new ServerEvent.MemoryInfo(m.memoryId(), m.text(), SessionControl.iso(m.createdAtMillis()),
                        SessionControl.iso(m.updatedAtMillis()), m.sourceSessionId(), m.sourceTurnId()))
                .toList());
    }

    @Override
    public ServerEvent deleteMemory(String userId, ClientAction.DeleteMemory d) {
        if (!memories.delete(userId, d.memoryId())) {
            return new ServerEvent.Error(ErrorCode.NOT_FOUND.name(), "No such memory", d.action(), null, null, null);
        }
        versions.bump(userId);
        LOG.info("memory deleted");
        return new ServerEvent.MemoryDeleted(d.memoryId(), 1);
    }

    /** Forgets everything remembered about the user. */
    public int deleteAllMemories(String userId) {
        int deleted = memories.deleteAll(userId);
        versions.bump(userId);
        return deleted;
    }

    @Override
    public ServerEvent addDocument(String userId, ClientAction.AddDocument a) {
        long now = clock.millis();
        // the count is taken before the write (one conditional update), so parallel adds cannot pass the cap
        var refused = holdings.take(userId, UserHoldings.Kind.DOCUMENTS, now, a.action(), null);
        if (refused.isPresent()) {
            LOG.info("document refused: a per-user limit is reached");
            return refused.get();
        }
        String documentId = "d-" + UUID.randomUUID().toString().replace("-", "");
        List<String> texts = Chunker.DEFAULT.split(a.text());
        List<Chunk> chunks = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            chunks.add(new Chunk(userId, documentId, i, texts.get(i), null));
        }
        KnowledgeDocument document = new KnowledgeDocument(userId, documentId, a.title(),
                a.text().codePointCount(0, a.text().length()), chunks.size(), KnowledgeDocument.Status.INDEXING, now);
        try {
            documents.putDocument(document, chunks);
        } catch (RuntimeException e) {
            holdings.release(userId, UserHoldings.Kind.DOCUMENTS, 1);
            throw e;
        }
        queue.enqueue(new TurnRequest(userId, null, documentId, null, now, TurnRequest.Kind.INDEX, null,
                dev.switchboard.log.LogContext.correlationId()));
        LOG.info("document stored ({} chunks), indexing queued", chunks.size());
        return new ServerEvent.DocumentAdded(info(document));
    }

    @Override
    public ServerEvent listDocuments(String userId) {
        return new ServerEvent.Documents(documents.listDocuments(userId).stream()
                .sorted(Comparator.comparingLong(KnowledgeDocument::createdAtMillis))
                .map(UserKnowledgeActions::info).toList());
    }

    @Override
    public ServerEvent deleteDocument(String userId, ClientAction.DeleteDocument d) {
        if (!documents.deleteDocument(userId, d.documentId())) {
            return new ServerEvent.Error(ErrorCode.NOT_FOUND.name(), "No such document", d.action(), null, null, null);
        }
        holdings.release(userId, UserHoldings.Kind.DOCUMENTS, 1);
        versions.bump(userId);
        LOG.info("document deleted");
        return new ServerEvent.DocumentDeleted(d.documentId());
    }

    static ServerEvent.DocumentInfo info(KnowledgeDocument d) {
        return new ServerEvent.DocumentInfo(d.documentId(), d.title(), d.chars(), d.chunkCount(),
                d.status().name().toLowerCase(java.util.Locale.ROOT), SessionControl.iso(d.createdAtMillis()));
    }
}
