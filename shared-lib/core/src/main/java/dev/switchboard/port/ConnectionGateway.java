package dev.switchboard.port;

/** Pushes frames to WebSocket connections (API Gateway's @connections API). */
public interface ConnectionGateway {
    enum Delivery { DELIVERED, GONE, FAILED }

    Delivery post(String connectionId, String frame);
}
