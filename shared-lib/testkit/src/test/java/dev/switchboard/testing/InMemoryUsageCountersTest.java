package dev.switchboard.testing;

import dev.switchboard.port.UsageCounters;

/** Runs the {@link UsageCounters} contract against the in-memory fake. */
class InMemoryUsageCountersTest extends UsageCountersContract {
    @Override
    protected UsageCounters counters() {
        return new InMemoryUsageCounters();
    }
}
