package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.adapter.dynamodb.DynamoDbUserHoldings;
import dev.switchboard.adapter.dynamodb.DynamoDbUserQuotas;
import dev.switchboard.port.UserHoldings;
import org.junit.jupiter.api.Test;

/**
 * The per-user counters of different adapters share one UserData partition: each kind of item has a sort-key prefix of
 * its own, so a prefix query of one adapter never reads another's items (a rate-limit window once shared the
 * running-answer slots' prefix, and every send after a createSession failed parsing it).
 */
class UserDataKeysIT {
    @Test
    void slotsHoldingsAndRateWindowsOfOneUserDoNotReadEachOther() {
        var dynamo = StackFixture.stack().dynamo();
        var quotas = new DynamoDbUserQuotas(dynamo, "UserDataTable");
        var holdings = new DynamoDbUserHoldings(dynamo, "UserDataTable");
        String user = "keys-" + System.nanoTime();
        long now = System.currentTimeMillis();
        for (UserHoldings.Kind kind : UserHoldings.Kind.values()) {
            assertThat(holdings.tryAdd(user, kind, 10)).isTrue();
            assertThat(holdings.tryCountAction(user, kind, now, 10)).isTrue();
        }
        assertThat(quotas.charge(user, "call-1", now, 5)).isTrue();

        assertThat(quotas.tryTakeSlot(user, "s-1", "m-1", now, 2, 60_000)).isTrue();
        assertThat(quotas.tryTakeSlot(user, "s-2", "m-2", now, 2, 60_000)).isTrue();
        assertThat(quotas.tryTakeSlot(user, "s-3", "m-3", now, 2, 60_000)).as("both slots are held").isFalse();
        quotas.releaseSlot(user, "s-1", "m-1");
        assertThat(quotas.tryTakeSlot(user, "s-3", "m-3", now, 2, 60_000)).isTrue();

        for (UserHoldings.Kind kind : UserHoldings.Kind.values()) {
            assertThat(holdings.count(user, kind)).as(kind.name()).isEqualTo(1);
        }
        assertThat(quotas.tokensUsed(user, now)).isEqualTo(5);
    }
}
