package dev.switchboard.usecase;

import dev.switchboard.domain.Connection;
import dev.switchboard.port.ConnectionGateway;
import dev.switchboard.port.ConnectionStore;
import dev.switchboard.protocol.ProtocolCodec;
import dev.switchboard.protocol.ServerEvent;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one turn's events to every live connection of the session's owner (read once per turn). A connection that
 * answers 410 Gone is deleted from the table and skipped for the rest of the turn.
 */
public final class Broadcaster {
    private static final Logger LOG = LoggerFactory.getLogger(Broadcaster.class);

    private final List<Connection> live;
    private final ConnectionGateway gateway;
    private final ConnectionStore store;
    private final ProtocolCodec codec;
    private int posts;

    public Broadcaster(List<Connection> connections, ConnectionGateway gateway, ConnectionStore store, ProtocolCodec codec) {
        this.live = new ArrayList<>(connections);
        this.gateway = gateway;
        this.store = store;
        this.codec = codec;
    }

    public synchronized void send(ServerEvent event) {
        String frame = codec.write(event);
        live.removeIf(c -> !deliver(c, frame));
    }

    /** Posts one frame; a connection that answers 410 Gone is deleted from the table. @return false when it is gone */
    private boolean deliver(Connection c, String frame) {
        posts++;
        switch (gateway.post(c.connectionId(), frame)) {
            case DELIVERED -> { }
            case GONE -> {
                try {
                    store.delete(c.userId(), c.connectionId());
                    LOG.info("connection gone, removed: {}", c.connectionId());
                } catch (RuntimeException e) {
                    LOG.warn("connection gone, not removed ({}); its TTL will: {}", e.getClass().getSimpleName(),
                            c.connectionId());
                }
                return false;
            }
            case FAILED -> LOG.warn("delivery failed to {}", c.connectionId());
        }
        return true;
    }

    /**
     * Sends {@code events} to one connection of the owner (a reconnected one asking to resume) and adds it to the
     * connections the rest of the turn goes to. @return false when the connection is gone
     */
    public synchronized boolean join(Connection connection, List<? extends ServerEvent> events) {
        for (ServerEvent event : events) {
            if (!deliver(connection, codec.write(event))) {
                return false;
            }
        }
        if (live.stream().noneMatch(c -> c.connectionId().equals(connection.connectionId()))) {
            live.add(connection);
        }
        return true;
    }

    /** The connections the turn goes to now (those gone are dropped as they answer 410). */
    public synchronized List<String> connectionIds() {
        return live.stream().map(Connection::connectionId).toList();
    }

    public synchronized int posts() {
        return posts;
    }
}
