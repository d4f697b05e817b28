package dev.switchboard.adapter.apigw;

import dev.switchboard.port.ConnectionCloser;
import dev.switchboard.port.ConnectionGateway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.apigatewaymanagementapi.ApiGatewayManagementApiClient;
import software.amazon.awssdk.services.apigatewaymanagementapi.model.GoneException;

/**
 * API Gateway's @connections callback API: PostToConnection and DeleteConnection, with 410 Gone reported as
 * {@link Delivery#GONE} / {@link Closing#GONE}.
 */
public final class ApiGatewayConnections implements ConnectionGateway, ConnectionCloser {
    private static final Logger LOG = LoggerFactory.getLogger(ApiGatewayConnections.class);
    private final ApiGatewayManagementApiClient client;

    public ApiGatewayConnections(ApiGatewayManagementApiClient client) {
        this.client = client;
    }

    @Override
    public Delivery post(String connectionId, String frame) {
        try {
            client.postToConnection(b -> b.connectionId(connectionId).data(SdkBytes.fromUtf8String(frame)));
            return Delivery.DELIVERED;
        } catch (GoneException e) {
            return Delivery.GONE;
        } catch (RuntimeException e) {
            LOG.warn("postToConnection failed: {}", e.getClass().getSimpleName());
            return Delivery.FAILED;
        }
    }

    @Override
    public Closing close(String connectionId) {
        try {
            client.deleteConnection(b -> b.connectionId(connectionId));
            return Closing.CLOSED;
        } catch (GoneException e) {
            return Closing.GONE;
        } catch (RuntimeException e) {
            LOG.warn("deleteConnection failed: {}", e.getClass().getSimpleName());
            return Closing.FAILED;
        }
    }
}
