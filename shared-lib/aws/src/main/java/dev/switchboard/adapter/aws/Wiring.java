package dev.switchboard.adapter.aws;

import dev.switchboard.config.Setting;
import dev.switchboard.adapter.dynamodb.DynamoDbConnectionStore;
import dev.switchboard.config.Env;
import dev.switchboard.port.Clock;
import dev.switchboard.usecase.ConnectionRegistry;

/** Object graphs that more than one function's composition root builds the same way. */
public final class Wiring {
    private Wiring() {}

    /** The connect and disconnect functions' use case: the Connections table, with the connection TTL. */
    public static ConnectionRegistry connectionRegistry(Env env) {
        return new ConnectionRegistry(
                new DynamoDbConnectionStore(AwsClients.dynamoDb(env), env.require(Setting.CONNECTIONS_TABLE)),
                Clock.SYSTEM, env.integer(Setting.CONNECTION_TTL_SECONDS));
    }
}
