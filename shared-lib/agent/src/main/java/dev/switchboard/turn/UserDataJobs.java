package dev.switchboard.turn;

import dev.switchboard.usecase.Broadcaster;

import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.switchboard.agent.ModelCatalog;
import dev.switchboard.agent.ModelChoice;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.domain.Chunk;
import dev.switchboard.port.DocumentStore;
import dev.switchboard.port.Embedder;
import dev.switchboard.domain.KnowledgeDocument;
import dev.switchboard.port.KnowledgeVersions;
import dev.switchboard.domain.Memory;
import dev.switchboard.knowledge.MemoryExtractor;
import dev.switchboard.knowledge.MemoryOp;
import dev.switchboard.knowledge.MemoryReconciler;
import dev.switchboard.port.MemoryStore;
import dev.switchboard.knowledge.UserKnowledgeCache;
import dev.switchboard.knowledge.VectorRanking;
import dev.switchboard.port.Clock;
import dev.switchboard.port.ConnectionGateway;
import dev.switchboard.port.ConnectionStore;
import dev.switchboard.port.MessageStore;
import dev.switchboard.port.SessionStore;
import dev.switchboard.port.TurnQueue;
import dev.switchboard.protocol.ProtocolCodec;
import dev.switchboard.protocol.ServerEvent;
import dev.switchboard.usecase.TurnLimits;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's per-user background jobs, each queued in the user's own FIFO group of the user-data queue (so one user's
 * memory updates never race each other, and never hold up a session's next turn or take a slot of a batch of turns):
 * {@code memory} extracts facts from an answered turn and reconciles them with the user's memories (after the
 * session's first answer it first has the model write the session's title: {@link SessionTitles}); {@code index}
 * embeds a new document's chunks and pushes documentReady.
 */
public final class UserDataJobs {
    private static final Logger LOG = LoggerFactory.getLogger(UserDataJobs.class);
    /** How many of the user's existing memories (most similar first) the extraction may update or delete. */
    static final int RELATED_MEMORIES = 10;
    static final long COMPLETION_TIMEOUT_MILLIS = 60_000;

    private final MessageStore messages;
    private final SessionStore sessions;
    private final MemoryStore memories;
    private final DocumentStore documents;
    private final KnowledgeVersions versions;
    private final UserKnowledgeCache cache;
    private final Embedder embedder;
    private final ModelCatalog models;
    private final TurnQueue queue;
    private final ConnectionStore connections;
    private final ConnectionGateway gateway;
    private final ProtocolCodec codec;
    private final Clock clock;
    private final TokenBudget budget;
    private final SessionTitles titles;

    public UserDataJobs(MessageStore messages, SessionStore sessions, MemoryStore memories, DocumentStore documents,
                        KnowledgeVersions versions, UserKnowledgeCache cache, Embedder embedder, ModelCatalog models,
                        TurnQueue queue, ConnectionStore connections, ConnectionGateway gateway, ProtocolCodec codec,
                        Clock clock) {
        this(messages, sessions, memories, documents, versions, cache, embedder, models, queue, connections, gateway,
                codec, clock, TurnLimits.NONE);
    }

    /** @param limits the user's daily token budget: asked before the memory extraction's call, charged with it */
    public UserDataJobs(MessageStore messages, SessionStore sessions, MemoryStore memories, DocumentStore documents,
                        KnowledgeVersions versions, UserKnowledgeCache cache, Embedder embedder, ModelCatalog models,
                        TurnQueue queue, ConnectionStore connections, ConnectionGateway gateway, ProtocolCodec codec,
                        Clock clock, TurnLimits limits) {
        this.budget = new TokenBudget(limits, clock);
        this.messages = messages;
        this.sessions = sessions;
        this.memories = memories;
        this.documents = documents;
        this.versions = versions;
        this.cache = cache;
        this.embedder = embedder;
        this.models = models;
        this.queue = queue;
        this.connections = connections;
        this.gateway = gateway;
        this.codec = codec;
        this.clock = clock;
        this.titles = new SessionTitles(messages, sessions, models, connections, gateway, codec, budget);
    }

    /**
     * The {@link AfterAnswer} hook of a turn: queues the memory job (done has been sent already), held behind a held
     * job of the user's group when the turn saw one (not seen: the queue asks its held jobs).
     */
    public AfterAnswer afterAnswer() {
        return (turn, modelId, tokens, dayTokens, userJobsHeld) -> {
            TurnRequest job = new TurnRequest(turn.userId(), turn.sessionId(), turn.turnId(), turn.clientMessageId(),
                    clock.millis(), TurnRequest.Kind.MEMORY, modelId, turn.correlationId(),
                    budget.leftAfter(dayTokens) ? Boolean.TRUE : null);
            if (userJobsHeld == null) {
                queue.enqueue(job);
            } else {
                queue.enqueue(job, userJobsHeld);
            }
        };
    }

    public void run(TurnRequest job) {
        run(job, 1);
    }

    /** @param receiveCount how often the queue has delivered this job (a redelivery's model call is another call) */
    public void run(TurnRequest job, int receiveCount) {
        switch (job.kind()) {
            case MEMORY -> {
                // one read for both: the turn's question and answer, and whether they were the session's first
                List<StoredMessage> upTo = messages.recentUpTo(job.userId(), job.sessionId(), job.turnId(),
                        SessionTitles.MESSAGES_TO_READ);
                // what the turn saw of the budget answers the job's first check (the title's, else the extraction's)
                BooleanSupplier budgetLeft = budget.forJob(job.userId(), Boolean.TRUE.equals(job.budgetLeft()));
                // the session's first answer: the model writes its title
                titles.afterAnswer(job, receiveCount, upTo, budgetLeft);
                remember(job, receiveCount, upTo, budgetLeft);
            }
            case INDEX -> index(job);
            case null, default -> throw new IllegalArgumentException("not a user-data job: " + job.kind());
        }
    }

    /**
     * @param turn       the session's newest messages up to the turn's answer (its question and answer among them)
     * @param budgetLeft the job's budget check before the extraction's model call
     */
    private void remember(TurnRequest job, int receiveCount, List<StoredMessage> turn, BooleanSupplier budgetLeft) {
        StoredMessage question = StoredMessage.find(turn, job.turnId(), Role.USER);
        StoredMessage answer = StoredMessage.find(turn, job.turnId(), Role.ASSISTANT);
        if (question == null || answer == null || answer.status() != null) {
            LOG.info("memory job: turn gone or not answered, nothing to remember");
            return;
        }
        if (!budgetLeft.getAsBoolean()) {
            LOG.info("memory job: the user's daily token budget is spent, the model is not called");
            return;
        }
        List<Memory> existing = memories.list(job.userId());
        List<Memory> related = existing.isEmpty() ? List.of()
                : VectorRanking.topK(embedder.embed(question.text()), existing, Memory::vector, RELATED_MEMORIES, -1)
                        .stream().map(VectorRanking.Scored::item).toList();
        // the model that answered the turn (a job queued without it: the session's)
        ModelChoice model = models.forSession(job.ref() != null ? job.ref()
                : sessions.get(job.userId(), job.sessionId()).map(dev.switchboard.domain.Session::model).orElse(null));
        String callId = "memory#" + job.turnId() + "#" + receiveCount;
        List<MemoryOp> ops = new MemoryExtractor((system, user) -> complete(model, system, user,
                spent -> budget.charge(job.userId(), callId, spent)))
                .extract(question.text(), answer.text(), related);
        MemoryReconciler.Summary summary = MemoryReconciler.apply(job.userId(), job.sessionId(), job.turnId(), ops,
                memories, embedder, clock);
        if (summary.changed()) {
            versions.bump(job.userId());
            cache.invalidate(job.userId());
        }
        LOG.info("memory job: added={} updated={} deleted={}", summary.added(), summary.updated(), summary.deleted());
    }

    private void index(TurnRequest job) {
        String documentId = job.turnId();
        KnowledgeDocument document = documents.getDocument(job.userId(), documentId).orElse(null);
        if (document == null || document.status() == KnowledgeDocument.Status.READY) {
            LOG.info("index job: document gone or indexed already");
            return;
        }
        List<Chunk> chunks = documents.chunksOf(job.userId(), documentId);
        List<float[]> vectors = embedder.embedAll(chunks.stream().map(Chunk::text).toList());
        if (!documents.markReady(job.userId(), documentId, vectors)) {
            LOG.info("index job: document deleted while it was embedded");
            return;
        }
        versions.bump(job.userId());
        cache.invalidate(job.userId());
        new Broadcaster(connections.listByUser(job.userId()), gateway, connections, codec)
                .send(new ServerEvent.DocumentReady(documentId, chunks.size()));
        LOG.info("index job: {} chunks embedded", chunks.size());
    }

    /**
     * A whole (non-streamed) answer of the model, collected from its stream.
     *
     * @param charge gets the call's tokens once it ended, however it ended (see {@link TokenCount#charged})
     */
    static String complete(ModelChoice model, String system, String user, Consumer<TokenCount> charge) {
        ChatRequest request = ChatRequest.builder().messages(SystemMessage.from(system), UserMessage.from(user)).build();
        StreamedCall call = StreamedCall.start(model.model(), request, "memory-model", piece -> { });
        ChatResponse r = null;
        try {
            r = call.await(COMPLETION_TIMEOUT_MILLIS).orElse(null);
        } catch (ModelCallException e) {
            throw new UserDataJobFailedException(e.getCause() instanceof InterruptedException ? "interrupted"
                    : "memory extraction failed: " + e.getCause().getClass().getSimpleName(), e.getCause());
        } finally {
            if (r == null) {
                call.stop();
            }
            charge.accept(TokenCount.charged(request, r, call.streamedChars()));
        }
        if (r == null) {
            throw new UserDataJobFailedException("memory extraction timed out", null);
        }
        return r.aiMessage() == null || r.aiMessage().text() == null ? "" : r.aiMessage().text();
    }
}
