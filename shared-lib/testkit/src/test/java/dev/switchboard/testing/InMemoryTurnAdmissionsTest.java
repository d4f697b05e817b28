package dev.switchboard.testing;

class InMemoryTurnAdmissionsTest extends TurnAdmissionsContract {
    @Override
    protected Stores stores() {
        InMemorySessionStore sessions = new InMemorySessionStore();
        InMemoryMessageStore messages = new InMemoryMessageStore();
        InMemoryUserQuotas quotas = new InMemoryUserQuotas();
        return new Stores(new InMemoryTurnAdmissions(sessions, messages, quotas), sessions, messages, quotas);
    }
}
