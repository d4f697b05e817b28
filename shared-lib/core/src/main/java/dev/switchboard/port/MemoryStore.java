package dev.switchboard.port;

import dev.switchboard.domain.KnowledgeLimits;
import dev.switchboard.domain.Memory;

import java.util.List;

/** Stores a user's long-term memories. Every method reads or writes only {@code userId}'s own items. */
public interface MemoryStore {
    /** Every memory of the user (at most {@link KnowledgeLimits#MAX_MEMORIES_PER_USER} are ever written). */
    List<Memory> list(String userId);

    /** Creates or replaces the memory with the same (userId, memoryId). */
    void put(Memory memory);

    /** @return true when the memory existed */
    boolean delete(String userId, String memoryId);

    /** Deletes every memory of the user; returns how many there were. */
    int deleteAll(String userId);

    int count(String userId);
}
