package dev.switchboard.testing;

import dev.switchboard.domain.TurnRequest;
import dev.switchboard.port.KnowledgeVersions;
import dev.switchboard.port.PendingTurns;
import dev.switchboard.port.TurnStanding;
import dev.switchboard.port.UserQuotas;

/** Test-only {@link TurnStanding}: what the given quotas, versions and held jobs hold. */
public final class InMemoryTurnStanding implements TurnStanding {
    private final UserQuotas quotas;
    private final KnowledgeVersions versions;
    private final PendingTurns pending;

    /** A standing that never sees a held job. */
    public InMemoryTurnStanding(UserQuotas quotas, KnowledgeVersions versions) {
        this(quotas, versions, null);
    }

    /** @param pending the held jobs (null: none) */
    public InMemoryTurnStanding(UserQuotas quotas, KnowledgeVersions versions, PendingTurns pending) {
        this.quotas = quotas;
        this.versions = versions;
        this.pending = pending;
    }

    @Override
    public Standing read(String userId, long nowMillis) {
        return new Standing(quotas.tokensUsed(userId, nowMillis), versions.current(userId),
                pending != null && pending.holds(userId, TurnRequest.userGroup(userId)));
    }
}
