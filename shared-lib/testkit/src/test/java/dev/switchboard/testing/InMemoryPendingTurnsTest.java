package dev.switchboard.testing;

import dev.switchboard.port.PendingTurns;

class InMemoryPendingTurnsTest extends PendingTurnsContract {
    @Override
    protected PendingTurns pending() {
        return new InMemoryPendingTurns();
    }
}
