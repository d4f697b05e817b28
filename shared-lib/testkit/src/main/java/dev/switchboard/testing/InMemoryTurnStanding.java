package dev.switchboard.testing;

import dev.switchboard.port.KnowledgeVersions;
import dev.switchboard.port.TurnStanding;
import dev.switchboard.port.UserQuotas;

/** Test-only {@link TurnStanding}: what the given quotas and versions hold. */
public final class InMemoryTurnStanding implements TurnStanding {
    private final UserQuotas quotas;
    private final KnowledgeVersions versions;

    public InMemoryTurnStanding(UserQuotas quotas, KnowledgeVersions versions) {
        this.quotas = quotas;
        this.versions = versions;
    }

    @Override
    public Standing read(String userId, long nowMillis) {
        return new Standing(quotas.tokensUsed(userId, nowMillis), versions.current(userId));
    }
}
