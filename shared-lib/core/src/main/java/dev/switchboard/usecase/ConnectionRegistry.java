package dev.switchboard.usecase;

import dev.switchboard.domain.Connection;
import dev.switchboard.port.Clock;
import dev.switchboard.port.ConnectionStore;
import java.util.Arrays;
import java.util.Optional;

/** $connect and $disconnect: keeps the Connections table in step with the live WebSocket connections. */
public final class ConnectionRegistry {
    private final ConnectionStore connections;
    private final Clock clock;
    private final long ttlSeconds;

    public ConnectionRegistry(ConnectionStore connections, Clock clock, long ttlSeconds) {
        this.connections = connections;
        this.clock = clock;
        this.ttlSeconds = ttlSeconds;
    }

    /**
     * Stores the connection (TTL: the API Gateway connection limit, 2 h by default) and returns the subprotocol to
     * echo in the handshake: {@value AuthorizeConnection#SUBPROTOCOL} when the client offered it (browsers require
     * the echo of one offered protocol), else none.
     */
    public Optional<String> open(String userId, String connectionId, String offeredProtocols) {
        long now = clock.millis();
        connections.put(new Connection(userId, connectionId, now, now / 1000 + ttlSeconds));
        if (offeredProtocols != null && Arrays.stream(offeredProtocols.split(","))
                .map(String::trim).anyMatch(AuthorizeConnection.SUBPROTOCOL::equals)) {
            return Optional.of(AuthorizeConnection.SUBPROTOCOL);
        }
        return Optional.empty();
    }

    public void close(String userId, String connectionId) {
        connections.delete(userId, connectionId);
    }

    /** A read of the user's partition, for SnapStart priming: loads the real client path, writes nothing. */
    public int prime(String userId) {
        return connections.listByUser(userId).size();
    }
}
