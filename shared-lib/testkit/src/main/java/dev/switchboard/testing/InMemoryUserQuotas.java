package dev.switchboard.testing;

import dev.switchboard.port.TurnAdmissions;
import dev.switchboard.port.UserQuotas;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Test-only {@link UserQuotas} with the DynamoDB adapter's windows (UTC minute and UTC day) and slots. */
public class InMemoryUserQuotas implements UserQuotas {
    private record Slot(String sessionId, String clientMessageId, long expiresAt) {}

    private final Map<String, Long> turns = new HashMap<>();
    private final Map<String, Long> tokens = new HashMap<>();
    private final Set<String> charged = new HashSet<>();
    private final Map<String, List<Slot>> slots = new HashMap<>();

    @Override
    public synchronized Verdict tryStartTurn(String userId, long nowMillis, int turnsPerMinute, long tokensPerDay) {
        String minute = userId + "#" + nowMillis / 60_000;
        if (turnsPerMinute > 0 && turns.getOrDefault(minute, 0L) >= turnsPerMinute) {
            return Verdict.TURNS_PER_MINUTE;
        }
        if (tokensPerDay > 0 && tokensUsed(userId, nowMillis) >= tokensPerDay) {
            return Verdict.TOKENS_PER_DAY;
        }
        turns.merge(minute, 1L, Long::sum);
        return Verdict.OK;
    }

    /**
     * Which limit of {@code quota} a turn would reach now ({@code OK}: none), writing nothing (for
     * {@link InMemoryTurnAdmissions}, which then takes them).
     */
    synchronized Verdict check(String userId, String sessionId, long nowMillis, TurnAdmissions.Quota quota) {
        if (quota.turnsPerMinute() > 0
                && turns.getOrDefault(userId + "#" + nowMillis / 60_000, 0L) >= quota.turnsPerMinute()) {
            return Verdict.TURNS_PER_MINUTE;
        }
        if (quota.tokensPerDay() > 0 && tokensUsed(userId, nowMillis) >= quota.tokensPerDay()) {
            return Verdict.TOKENS_PER_DAY;
        }
        if (quota.slots() > 0 && slots.getOrDefault(userId, List.of()).stream()
                .filter(s -> s.expiresAt() >= nowMillis && !s.sessionId().equals(sessionId))
                .count() >= quota.slots()) {
            return Verdict.RUNNING_ANSWERS;
        }
        return Verdict.OK;
    }

    @Override
    public synchronized boolean charge(String userId, String callId, long nowMillis, long tokens) {
        if (!charged.add(userId + "#" + callId)) {
            return false;
        }
        this.tokens.merge(day(userId, nowMillis), Math.max(0, tokens), Long::sum);
        return true;
    }

    @Override
    public synchronized long tokensUsed(String userId, long nowMillis) {
        return tokens.getOrDefault(day(userId, nowMillis), 0L);
    }

    @Override
    public synchronized boolean tryTakeSlot(String userId, String sessionId, String clientMessageId, long nowMillis,
                                            int slotCount, long holdMillis) {
        List<Slot> held = slots.computeIfAbsent(userId, k -> new ArrayList<>());
        held.removeIf(s -> s.expiresAt() < nowMillis || s.sessionId().equals(sessionId));
        if (held.size() >= slotCount) {
            return false;
        }
        held.add(new Slot(sessionId, clientMessageId, nowMillis + holdMillis));
        return true;
    }

    @Override
    public synchronized void releaseSlot(String userId, String sessionId, String clientMessageId) {
        slots.getOrDefault(userId, new ArrayList<>())
                .removeIf(s -> s.sessionId().equals(sessionId) && s.clientMessageId().equals(clientMessageId));
    }

    private static String day(String userId, long nowMillis) {
        return userId + "#" + nowMillis / 86_400_000;
    }
}
