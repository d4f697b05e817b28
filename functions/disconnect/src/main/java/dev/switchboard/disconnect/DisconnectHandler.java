package dev.switchboard.disconnect;

import dev.switchboard.runtime.Priming;
import dev.switchboard.config.Setting;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketResponse;
import dev.switchboard.config.Env;
import dev.switchboard.runtime.RequestIds;
import dev.switchboard.runtime.WebSocketEvents;
import dev.switchboard.adapter.aws.Wiring;
import dev.switchboard.usecase.ConnectionRegistry;
import java.util.List;
import org.crac.Core;
import org.crac.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** $disconnect: deletes the connection item (its TTL removes it anyway if this never runs). */
public final class DisconnectHandler
        implements RequestHandler<APIGatewayV2WebSocketEvent, APIGatewayV2WebSocketResponse>, Resource {
    public static final List<String> REQUIRED_ENV = List.of(Setting.CONNECTIONS_TABLE.name());
    private static final Logger LOG = LoggerFactory.getLogger(DisconnectHandler.class);

    private final ConnectionRegistry registry;

    /** Lambda's entry point: the composition root. */
    public DisconnectHandler() {
        this(Env.system());
    }

    public DisconnectHandler(Env env) {
        this(Wiring.connectionRegistry(env));
        Core.getGlobalContext().register(this);
    }

    public DisconnectHandler(ConnectionRegistry registry) {
        this.registry = registry;
    }

    @Override
    public APIGatewayV2WebSocketResponse handleRequest(APIGatewayV2WebSocketEvent event, Context context) {
        RequestIds ids = RequestIds.of(event);
        String userId = ids.userId();
        String connectionId = ids.connectionId();
        try (var log = ids.open()) {
            if (userId != null && connectionId != null) {
                registry.close(userId, connectionId);
            }
            LOG.info("disconnected");
            return WebSocketEvents.response(200, null, null);
        }
    }

    /** Primes with a read of a user id no token can carry; writes nothing. */
    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        prime();
    }

    /** The priming steps; returns how many failed (logged, never thrown: see {@link Priming}). */
    int prime() {
        return Priming.run("disconnect", () -> registry.prime(WebSocketEvents.PRIMING_USER));
    }

    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        // no random or unique state is held
    }
}
