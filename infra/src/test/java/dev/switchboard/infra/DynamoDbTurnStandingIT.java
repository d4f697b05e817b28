package dev.switchboard.infra;

import dev.switchboard.adapter.dynamodb.DynamoDbKnowledgeVersions;
import dev.switchboard.adapter.dynamodb.DynamoDbPendingTurns;
import dev.switchboard.adapter.dynamodb.DynamoDbTurnStanding;
import dev.switchboard.adapter.dynamodb.DynamoDbUserQuotas;
import dev.switchboard.port.KnowledgeVersions;
import dev.switchboard.port.PendingTurns;
import dev.switchboard.protocol.ProtocolCodec;
import dev.switchboard.port.TurnStanding;
import dev.switchboard.port.UserQuotas;
import dev.switchboard.testing.TurnStandingContract;

class DynamoDbTurnStandingIT extends TurnStandingContract {
    private static final String TABLE = "UserDataTable";

    @Override
    protected UserQuotas quotas() {
        return new DynamoDbUserQuotas(StackFixture.stack().dynamo(), TABLE);
    }

    @Override
    protected KnowledgeVersions versions() {
        return new DynamoDbKnowledgeVersions(StackFixture.stack().dynamo(), TABLE);
    }

    @Override
    protected PendingTurns pending() {
        return new DynamoDbPendingTurns(StackFixture.stack().dynamo(), TABLE, new ProtocolCodec().mapper());
    }

    @Override
    protected TurnStanding standing(UserQuotas quotas, KnowledgeVersions versions, PendingTurns pending) {
        return new DynamoDbTurnStanding(StackFixture.stack().dynamo(), TABLE);
    }
}
