package dev.switchboard.testing;

import dev.switchboard.port.KnowledgeVersions;
import dev.switchboard.port.PendingTurns;
import dev.switchboard.port.TurnStanding;
import dev.switchboard.port.UserQuotas;

class InMemoryTurnStandingTest extends TurnStandingContract {
    @Override
    protected UserQuotas quotas() {
        return new InMemoryUserQuotas();
    }

    @Override
    protected KnowledgeVersions versions() {
        return new InMemoryKnowledgeVersions();
    }

    @Override
    protected PendingTurns pending() {
        return new InMemoryPendingTurns();
    }

    @Override
    protected TurnStanding standing(UserQuotas quotas, KnowledgeVersions versions, PendingTurns pending) {
        return new InMemoryTurnStanding(quotas, versions, pending);
    }
}
