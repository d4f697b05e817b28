package dev.switchboard.testing;

import dev.switchboard.domain.TurnRequest;
import dev.switchboard.port.PendingTurns;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Test-only {@link PendingTurns}: held jobs per group in the order held, and the index, behind one lock. */
public class InMemoryPendingTurns implements PendingTurns {
    private final Map<Group, Map<String, TurnRequest>> held = new LinkedHashMap<>();
    private final Set<Group> index = new LinkedHashSet<>();

    private static Group groupOf(TurnRequest job) {
        return new Group(job.userId(), job.groupId());
    }

    @Override
    public synchronized void hold(TurnRequest job) {
        held.computeIfAbsent(groupOf(job), g -> new LinkedHashMap<>()).putIfAbsent(job.deduplicationId(), job);
        index.add(groupOf(job));
    }

    @Override
    public synchronized boolean holds(String userId, String groupId) {
        return !held.getOrDefault(new Group(userId, groupId), Map.of()).isEmpty();
    }

    @Override
    public synchronized List<Group> groups(int limit) {
        return index.stream().limit(limit).toList();
    }

    @Override
    public synchronized List<TurnRequest> held(Group group) {
        return new ArrayList<>(held.getOrDefault(group, Map.of()).values());
    }

    @Override
    public synchronized void release(TurnRequest job) {
        Map<String, TurnRequest> jobs = held.get(groupOf(job));
        if (jobs != null) {
            jobs.remove(job.deduplicationId());
        }
    }

    @Override
    public synchronized void unlist(Group group) {
        index.remove(group);
    }

    /** Jobs held now, over every group. */
    public synchronized int size() {
        return held.values().stream().mapToInt(Map::size).sum();
    }
}
