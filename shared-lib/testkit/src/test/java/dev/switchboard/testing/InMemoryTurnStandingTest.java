package dev.switchboard.testing;

import dev.switchboard.port.KnowledgeVersions;
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
    protected TurnStanding standing(UserQuotas quotas, KnowledgeVersions versions) {
        return new InMemoryTurnStanding(quotas, versions);
    }
}
