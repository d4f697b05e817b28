package dev.switchboard.infra;

import dev.switchboard.config.Setting;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.switchboard.config.Env;
import dev.switchboard.adapter.aws.AwsClients;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.apigatewaymanagementapi.ApiGatewayManagementApiClient;
import software.amazon.awssdk.services.apigatewaymanagementapi.model.GoneException;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The local @connections API, reached the way the worker reaches API Gateway's: through the AWS SDK. */
class ConnectionsApiIT {

    @Test
    void postGetAndDeleteBehaveLikeApiGateway() throws Exception {
        LocalStack stack = StackFixture.stack();
        String user = "paul-" + UUID.randomUUID().toString().substring(0, 8);
        ApiGatewayManagementApiClient api = AwsClients.connections(new Env(Map.of(Setting.CALLBACK_URL.name(), stack.callbackUrl())));
        try (WsClient c = WsClient.connect(stack.webSocketUrl(), stack.tokens().issue(user, Duration.ofHours(1)))) {
            String id = await().atMost(Duration.ofSeconds(5)).until(() -> stack.dynamo().query(b -> b
                            .tableName("ConnectionsTable").keyConditionExpression("pk = :u")
                            .expressionAttributeValues(Map.of(":u", AttributeValue.fromS(user)))).items(),
                    items -> items.size() == 1).get(0).get("sk").s();

            api.postToConnection(b -> b.connectionId(id).data(SdkBytes.fromUtf8String("{\"type\":\"pong\",\"serverTime\":7}")));
            assertThat(c.await(WsClient.type("pong"), Duration.ofSeconds(5)).path("serverTime").asLong()).isEqualTo(7);

            var info = api.getConnection(b -> b.connectionId(id));
            assertThat(info.identity().sourceIp()).isEqualTo("127.0.0.1");
            assertThat(info.connectedAt()).isNotNull();

            api.deleteConnection(b -> b.connectionId(id));
            assertThat(c.closed.get(5, TimeUnit.SECONDS)).isEqualTo(1000);
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThatThrownBy(() -> api.postToConnection(b -> b.connectionId(id)
                            .data(SdkBytes.fromUtf8String("{}")))).isInstanceOf(GoneException.class));
            assertThatThrownBy(() -> api.getConnection(b -> b.connectionId(id))).isInstanceOf(GoneException.class);
        }
    }
}
