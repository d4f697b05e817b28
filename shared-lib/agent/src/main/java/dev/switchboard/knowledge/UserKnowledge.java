package dev.switchboard.knowledge;

import dev.switchboard.domain.Chunk;
import dev.switchboard.domain.Memory;

import java.util.List;
import java.util.Map;

/**
 * What the user tier keeps per user: every memory, the chunks of every READY document, and the titles of those
 * documents by documentId.
 */
public record UserKnowledge(List<Memory> memories, List<Chunk> chunks, Map<String, String> documentTitles) {
    public UserKnowledge {
        memories = List.copyOf(memories);
        chunks = List.copyOf(chunks);
        documentTitles = Map.copyOf(documentTitles);
    }

    public boolean isEmpty() {
        return memories.isEmpty() && chunks.isEmpty();
    }
}
