package dev.switchboard.testing;

import dev.switchboard.port.UserHoldings;

class InMemoryUserHoldingsTest extends UserHoldingsContract {
    @Override
    protected UserHoldings holdings() {
        return new InMemoryUserHoldings();
    }
}
