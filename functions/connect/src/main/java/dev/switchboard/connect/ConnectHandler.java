package dev.switchboard.connect;

import dev.switchboard.runtime.Priming;
import dev.switchboard.config.Setting;
import dev.switchboard.protocol.Headers;
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
import java.util.Map;
import org.crac.Core;
import org.crac.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** $connect: stores the authorised connection and echoes the {@code switchboard.v1} subprotocol when offered. */
public final class ConnectHandler
        implements RequestHandler<APIGatewayV2WebSocketEvent, APIGatewayV2WebSocketResponse>, Resource {
    public static final List<String> REQUIRED_ENV = List.of(Setting.CONNECTIONS_TABLE.name());
    private static final Logger LOG = LoggerFactory.getLogger(ConnectHandler.class);

    private final ConnectionRegistry registry;

    /** Lambda's entry point: the composition root. */
    public ConnectHandler() {
        this(Env.system());
    }

    public ConnectHandler(Env env) {
        this(Wiring.connectionRegistry(env));
        Core.getGlobalContext().register(this);
    }

    public ConnectHandler(ConnectionRegistry registry) {
        this.registry = registry;
    }

    @Override
    public APIGatewayV2WebSocketResponse handleRequest(APIGatewayV2WebSocketEvent event, Context context) {
        RequestIds ids = RequestIds.of(event);
        String userId = ids.userId();
        String connectionId = ids.connectionId();
        try (var log = ids.open()) {
            if (userId == null || connectionId == null) {
                LOG.warn("connect without an authorised user: refused");
                return WebSocketEvents.response(403, null, null);
            }
            var protocol = registry.open(userId, connectionId, WebSocketEvents.tokenExpiresAt(event),
                    Headers.get(event.getHeaders(), "sec-websocket-protocol"));
            LOG.info("connected");
            return WebSocketEvents.response(200, null,
                    protocol.map(p -> Map.of("Sec-WebSocket-Protocol", p)).orElse(null));
        }
    }

    /** Primes with a read of a user id no token can carry; writes nothing. */
    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        prime();
    }

    /** The priming steps; returns how many failed (logged, never thrown: see {@link Priming}). */
    int prime() {
        return Priming.run("connect", () -> registry.prime(WebSocketEvents.PRIMING_USER),
                // no authorised user: refused before any write
                () -> handleRequest(new APIGatewayV2WebSocketEvent(), null));
    }

    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        // no random or unique state is held
    }
}
