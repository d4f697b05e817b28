package dev.switchboard.testing;

import dev.switchboard.port.UserQuotas;

class InMemoryUserQuotasTest extends UserQuotasContract {
    @Override
    protected UserQuotas quotas() {
        return new InMemoryUserQuotas();
    }
}
