package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.adapter.dynamodb.DynamoDbDocumentStore;
import dev.switchboard.adapter.dynamodb.DynamoDbSessionStore;
import dev.switchboard.adapter.dynamodb.DynamoDbUserHoldings;
import dev.switchboard.config.Setting;
import dev.switchboard.domain.Chunk;
import dev.switchboard.domain.KnowledgeDocument;
import dev.switchboard.domain.Page;
import dev.switchboard.domain.Session;
import dev.switchboard.knowledge.UserKnowledgeCache;
import dev.switchboard.port.UserHoldings;
import dev.switchboard.testing.InMemoryDocumentStore;
import dev.switchboard.testing.InMemoryMemoryStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Reliability scenario "caps": one user, four connections, {@value #FRAMES} {@code addDocument} and {@value #FRAMES}
 * {@code createSession} frames sent at once (a quarter on each connection), on a stack of its own whose caps are small
 * ({@value #DOCUMENT_CAP} documents, {@value #SESSION_CAP} sessions) and whose per-minute limits are above the caps:
 * exactly the caps' worth are stored, the rest refused with {@code LIMIT_REACHED}, and the atomic counters agree with
 * the tables. Then a user cache bounded at {@value #CACHE_MB} MB is filled with users whose knowledge bases together
 * are several times that: its weighed size never passes the bound. Prints {@code caps: …}.
 */
class CapsIT {
    private static final int FRAMES = 200;
    private static final int CONNECTIONS = 4;
    private static final int DOCUMENT_CAP = 40;
    private static final int SESSION_CAP = 60;
    private static final int PER_MINUTE = 150;
    private static final int CACHE_MB = 2;

    @Test
    void parallelFramesNeverPassTheCapsAndAFilledUserCacheStaysWithinItsBytes() throws Exception {
        try (LocalStack stack = LocalStack.start(LocalStack.Options.defaults().withEnv(Map.of(
                Setting.LIMIT_DOCUMENTS_PER_USER.name(), String.valueOf(DOCUMENT_CAP),
                Setting.LIMIT_SESSIONS_PER_USER.name(), String.valueOf(SESSION_CAP),
                Setting.LIMIT_DOCUMENTS_PER_MINUTE.name(), String.valueOf(PER_MINUTE),
                Setting.LIMIT_SESSIONS_PER_MINUTE.name(), String.valueOf(PER_MINUTE))))) {
            String user = "caps-" + UUID.randomUUID();
            List<WsClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < CONNECTIONS; i++) {
                    clients.add(WsClient.connect(stack.webSocketUrl(), stack.tokens().issue(user, Duration.ofHours(1))));
                }
                for (int i = 0; i < FRAMES; i++) {
                    WsClient c = clients.get(i % CONNECTIONS);
                    c.send("{\"action\":\"addDocument\",\"title\":\"doc " + i + "\",\"text\":\"tiny document " + i
                            + "\"}");
                    c.send("{\"action\":\"createSession\",\"title\":\"session " + i + "\"}");
                }
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (replies(clients) < 2 * FRAMES && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                long documentsAdded = count(clients, "documentAdded");
                long sessionsCreated = count(clients, "session");
                long refusedForCap = clients.stream().flatMap(c -> c.frames.stream()).filter(CapsIT::refused)
                        .filter(f -> f.path("message").asText().contains("per user")).count();
                long refusedPerMinute = clients.stream().flatMap(c -> c.frames.stream()).filter(CapsIT::refused)
                        .filter(f -> f.path("message").asText().contains("per minute")).count();

                List<KnowledgeDocument> documents = new DynamoDbDocumentStore(stack.dynamo(), userData(stack))
                        .listDocuments(user);
                Page<Session> sessions = new DynamoDbSessionStore(stack.dynamo(),
                        stack.environment("MessageFunction").get(Setting.SESSIONS_TABLE.name()))
                        .list(user, 100, null);
                var counters = new DynamoDbUserHoldings(stack.dynamo(), userData(stack));
                CacheFill cache = fillCache();
                System.out.println(("caps: %d addDocument and %d createSession frames at once: documents stored=%d "
                        + "(cap %d, counted %d), sessions stored=%d (cap %d, counted %d), refused at a cap=%d, refused "
                        + "per minute=%d; user cache bounded at %d bytes filled with %d users of %d bytes in all: "
                        + "holds %d users weighing %d bytes, most ever %d bytes, %d evictions")
                        .formatted(FRAMES, FRAMES, documents.size(), DOCUMENT_CAP,
                                counters.count(user, UserHoldings.Kind.DOCUMENTS), sessions.items().size(),
                                SESSION_CAP, counters.count(user, UserHoldings.Kind.SESSIONS), refusedForCap,
                                refusedPerMinute, cache.bound(), cache.users(), cache.offeredBytes(), cache.entries(),
                                cache.weighed(), cache.mostWeighed(), cache.evictions()));

                assertThat(replies(clients)).as("every frame answered").isEqualTo(2L * FRAMES);
                assertThat(documents).hasSize(DOCUMENT_CAP);
                assertThat(documentsAdded).isEqualTo(DOCUMENT_CAP);
                assertThat(sessions.items()).hasSize(SESSION_CAP);
                assertThat(sessionsCreated).isEqualTo(SESSION_CAP);
                assertThat(counters.count(user, UserHoldings.Kind.DOCUMENTS)).isEqualTo(DOCUMENT_CAP);
                assertThat(counters.count(user, UserHoldings.Kind.SESSIONS)).isEqualTo(SESSION_CAP);
                assertThat(refusedForCap + refusedPerMinute).isEqualTo(2L * FRAMES - DOCUMENT_CAP - SESSION_CAP);
                assertThat(cache.mostWeighed()).isLessThanOrEqualTo(cache.bound());
                assertThat(cache.offeredBytes()).as("the fill is several times the bound").isGreaterThan(3 * cache.bound());
                assertThat(cache.evictions()).isPositive();
            } finally {
                clients.forEach(WsClient::close);
            }
        }
    }

    private static String userData(LocalStack stack) {
        return stack.environment("MessageFunction").get(Setting.USER_DATA_TABLE.name());
    }

    private static boolean refused(JsonNode f) {
        return "error".equals(f.path("type").asText()) && "LIMIT_REACHED".equals(f.path("code").asText());
    }

    private static long count(List<WsClient> clients, String type) {
        return clients.stream().flatMap(c -> c.frames.stream()).filter(WsClient.type(type)).count();
    }

    private static long replies(List<WsClient> clients) {
        return count(clients, "documentAdded") + count(clients, "session")
                + clients.stream().flatMap(c -> c.frames.stream()).filter(WsClient.type("error")).count();
    }

    /** What filling the cache showed: its bound, the users and bytes offered, and what it held. */
    record CacheFill(long bound, int users, long offeredBytes, long entries, long weighed, long mostWeighed,
                     long evictions) {}

    /**
     * Users with 60 indexed chunks of 800 chars and 384-dim vectors each (about 0.3 MB) are read through a cache
     * bounded at {@value #CACHE_MB} MB, one after another; its weighed size is read after every load.
     */
    private static CacheFill fillCache() {
        var memories = new InMemoryMemoryStore();
        var documents = new InMemoryDocumentStore();
        Random random = new Random(3);
        int users = 40;
        for (int u = 0; u < users; u++) {
            String userId = "cache-" + u;
            List<Chunk> chunks = new ArrayList<>();
            List<float[]> vectors = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                float[] vector = new float[384];
                for (int d = 0; d < vector.length; d++) {
                    vector[d] = random.nextFloat();
                }
                chunks.add(new Chunk(userId, "d-1", i, "x".repeat(800), null));
                vectors.add(vector);
            }
            documents.putDocument(new KnowledgeDocument(userId, "d-1", "big", 48_000, chunks.size(),
                    KnowledgeDocument.Status.INDEXING, 0), chunks);
            documents.markReady(userId, "d-1", vectors);
        }
        long bound = (long) CACHE_MB << 20;
        var cache = new UserKnowledgeCache(memories, documents, 1_000, bound, Duration.ofHours(1));
        long offered = 0;
        long most = 0;
        for (int u = 0; u < users; u++) {
            var knowledge = cache.get("cache-" + u);
            offered += UserKnowledgeCache.weight(knowledge);
            most = Math.max(most, cache.weightedBytes());
        }
        return new CacheFill(bound, users, offered, cache.estimatedSize(), cache.weightedBytes(), most,
                cache.stats().evictions());
    }
}
