package dev.switchboard.port;

import dev.switchboard.domain.Connection;
import java.util.List;

public interface ConnectionStore {
    void put(Connection connection);

    void delete(String userId, String connectionId);

    /** Every live connection of one user (one Query on the user's partition). */
    List<Connection> listByUser(String userId);
}
