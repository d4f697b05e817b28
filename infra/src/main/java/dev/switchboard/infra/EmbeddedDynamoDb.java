package dev.switchboard.infra;

import dev.switchboard.config.Setting;
import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.config.Env;
import dev.switchboard.adapter.aws.AwsClients;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * DynamoDB Local on a loopback port, with every table that template.yaml declares: in memory, or kept in a directory
 * ({@code -dbPath}, one SQLite file for every client: {@code -sharedDb}), where the tables found at start are kept.
 */
final class EmbeddedDynamoDb implements AutoCloseable {
    private final DynamoDBProxyServer server;
    private final int port;
    private final DynamoDbClient client;

    /** @param dataDir where the tables are kept; empty: in memory */
    EmbeddedDynamoDb(int preferredPort, Optional<Path> dataDir) {
        if (System.getProperty("sqlite4java.library.path") == null) {
            System.setProperty("sqlite4java.library.path", "infra/target/native-libs");
        }
        this.port = Ports.pick(preferredPort);
        try {
            String[] storage = dataDir.map(d -> new String[] {"-dbPath", d.toAbsolutePath().toString(), "-sharedDb"})
                    .orElse(new String[] {"-inMemory"});
            String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(storage),
                    java.util.stream.Stream.of("-port", Integer.toString(port))).toArray(String[]::new);
            server = ServerRunner.createServerFromCommandLineArgs(args);
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

    /**
     * Creates each AWS::DynamoDB::Table of the template, named by its logical id, that does not exist yet (a kept
     * table stays as it was); returns the names.
     */
    List<String> createTables(TemplateModel template) {
        List<String> names = new ArrayList<>();
        Set<String> existing = client.listTablesPaginator(b -> { }).tableNames().stream()
                .collect(java.util.stream.Collectors.toSet());
        for (Map.Entry<String, JsonNode> t : template.resources(TemplateModel.TABLE).entrySet()) {
            JsonNode p = t.getValue();
            names.add(t.getKey());
            if (existing.contains(t.getKey())) {
                continue;
            }
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
