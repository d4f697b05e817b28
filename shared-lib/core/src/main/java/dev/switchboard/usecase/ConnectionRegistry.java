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

    /** {@link #open(String, String, long, String)} for a token whose expiry is unknown. */
    public Optional<String> open(String userId, String connectionId, String offeredProtocols) {
        return open(userId, connectionId, 0, offeredProtocols);
    }

    /**
     * Stores the connection and returns the subprotocol to echo in the handshake:
     * {@value AuthorizeConnection#SUBPROTOCOL} when the client offered it (browsers require the echo of one offered
     * protocol), else none. The connection item expires with the token it was opened with, or at the API Gateway
     * connection limit (2 h by default) when that comes first: the worker sends nothing to an expired item (TTL
     * deletes lazily, so readers skip it), so a stolen short-lived token mirrors a user's answers no longer than the
     * token lives.
     *
     * @param tokenExpiresAt when the token expires (epoch seconds; 0 = unknown)
     */
    public Optional<String> open(String userId, String connectionId, long tokenExpiresAt, String offeredProtocols) {
        long now = clock.millis();
        long expires = now / 1000 + ttlSeconds;
        if (tokenExpiresAt > 0) {
            expires = Math.min(expires, tokenExpiresAt);
        }
        connections.put(new Connection(userId, connectionId, now, expires));
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
