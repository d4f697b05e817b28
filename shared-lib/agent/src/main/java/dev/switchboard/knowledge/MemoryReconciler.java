package dev.switchboard.knowledge;

import dev.switchboard.domain.KnowledgeLimits;
import dev.switchboard.domain.Memory;
import dev.switchboard.port.Embedder;
import dev.switchboard.port.MemoryStore;

import dev.switchboard.port.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Applies {@link MemoryOp}s to one user's memories: DELETE removes, UPDATE replaces text and vector keeping the id and
 * creation time, ADD creates a memory with a new id; every written memory records the session and turn it came from.
 * Deletes go first, then updates, then adds while the user has fewer than {@link KnowledgeLimits#MAX_MEMORIES_PER_USER}.
 * The caller invalidates the user's {@link UserKnowledgeCache} entry afterwards.
 */
public final class MemoryReconciler {
    /** What was changed; {@code skipped} counts operations not applied (unknown id, invalid text, user at the limit). */
    public record Summary(int added, int updated, int deleted, int skipped) {
        public boolean changed() {
            return added + updated + deleted > 0;
        }
    }

    private MemoryReconciler() {}

    public static Summary apply(String userId, String sessionId, String turnId, List<MemoryOp> ops, MemoryStore store,
                                Embedder embedder, Clock clock) {
        if (ops.isEmpty()) {
            return new Summary(0, 0, 0, 0);
        }
        Map<String, Memory> existing = new LinkedHashMap<>();
        for (Memory m : store.list(userId)) {
            existing.put(m.memoryId(), m);
        }
        int deleted = 0;
        int skipped = 0;
        Set<String> touched = new HashSet<>();
        for (MemoryOp op : ops) {
            if (op.kind() == MemoryOp.Kind.DELETE) {
                if (op.memoryId() != null && existing.containsKey(op.memoryId()) && touched.add(op.memoryId())) {
                    if (store.delete(userId, op.memoryId())) {
                        deleted++;
                    }
                    existing.remove(op.memoryId());
                } else {
                    skipped++;
                }
            }
        }
        List<Memory> targets = new ArrayList<>(); // null target = ADD
        List<String> texts = new ArrayList<>();
        int room = Math.max(0, KnowledgeLimits.MAX_MEMORIES_PER_USER - existing.size());
        for (MemoryOp op : ops) {
            switch (op.kind()) {
                case UPDATE -> {
                    Memory target = op.memoryId() == null ? null : existing.get(op.memoryId());
                    if (target != null && MemoryExtractor.acceptable(op.text()) && touched.add(op.memoryId())) {
                        targets.add(target);
                        texts.add(op.text().strip());
                    } else {
                        skipped++;
                    }
                }
                case ADD -> {
                    if (room > 0 && MemoryExtractor.acceptable(op.text())) {
                        room--;
                        targets.add(null);
                        texts.add(op.text().strip());
                    } else {
                        skipped++;
                    }
                }
                case DELETE -> { }
                case NONE -> skipped++;
            }
        }
        int added = 0;
        int updated = 0;
        if (!texts.isEmpty()) {
            List<float[]> vectors = embedder.embedAll(texts);
            long now = clock.millis();
            for (int i = 0; i < texts.size(); i++) {
                Memory target = targets.get(i);
                if (target == null) {
                    store.put(new Memory(userId, newMemoryId(), texts.get(i), sessionId, turnId, now, now,
                            vectors.get(i)));
                    added++;
                } else {
                    store.put(target.withText(texts.get(i), vectors.get(i), sessionId, turnId, now));
                    updated++;
                }
            }
        }
        return new Summary(added, updated, deleted, skipped);
    }

    /** {@code m-} and 32 random hex digits; created per call, never during init. */
    static String newMemoryId() {
        return "m-" + UUID.randomUUID().toString().replace("-", "");
    }
}
