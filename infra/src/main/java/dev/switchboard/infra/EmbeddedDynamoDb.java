package dev.switchboard.infra;

import dev.switchboard.config.Setting;
import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.config.Env;
import dev.switchboard.adapter.aws.AwsClients;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/** DynamoDB Local (in memory) on a loopback port, with every table that template.yaml declares. */
final class EmbeddedDynamoDb implements AutoCloseable {
    private final DynamoDBProxyServer server;
    private final int port;
    private final DynamoDbClient client;

    EmbeddedDynamoDb(int preferredPort) {
        if (System.getProperty("sqlite4java.library.path") == null) {
            System.setProperty("sqlite4java.library.path", "infra/target/native-libs");
        }
        this.port = Ports.pick(preferredPort);
        try {
            server = ServerRunner.createServerFromCommandLineArgs(new String[] {"-inMemory", "-port", Integer.toString(port)});
            server.start();
        } catch (Exception e) {
            throw new IllegalStateException("DynamoDB Local did not start on port " + port
                    + " (sqlite4java.library.path=" + System.getProperty("sqlite4java.library.path") + "): " + e, e);
        }
        client = AwsClients.dynamoDb(new Env(Map.of(Setting.DYNAMODB_ENDPOINT.name(), endpoint())));
    }

    String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    DynamoDbClient client() {
        return client;
    }

    /** Creates each AWS::DynamoDB::Table of the template, named by its logical id; returns the names. */
    List<String> createTables(TemplateModel template) {
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, JsonNode> t : template.resources(TemplateModel.TABLE).entrySet()) {
            JsonNode p = t.getValue();
            List<AttributeDefinition> attributes = new ArrayList<>();
            p.path("AttributeDefinitions").forEach(a -> attributes.add(AttributeDefinition.builder()
                    .attributeName(a.path("AttributeName").asText())
                    .attributeType(ScalarAttributeType.fromValue(a.path("AttributeType").asText()))
                    .build()));
            List<KeySchemaElement> keys = new ArrayList<>();
            p.path("KeySchema").forEach(k -> keys.add(KeySchemaElement.builder()
                    .attributeName(k.path("AttributeName").asText())
                    .keyType(KeyType.fromValue(k.path("KeyType").asText()))
                    .build()));
            client.createTable(b -> b.tableName(t.getKey())
                    .attributeDefinitions(attributes)
                    .keySchema(keys)
                    .billingMode(BillingMode.PAY_PER_REQUEST));
            JsonNode ttl = p.path("TimeToLiveSpecification");
            if (ttl.path("Enabled").asBoolean(false)) {
                client.updateTimeToLive(b -> b.tableName(t.getKey()).timeToLiveSpecification(s -> s
                        .attributeName(ttl.path("AttributeName").asText()).enabled(true)));
            }
            names.add(t.getKey());
        }
        return names;
    }

    @Override
    public void close() {
        client.close();
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("DynamoDB Local did not stop", e);
        }
    }
}
