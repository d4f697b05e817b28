package dev.switchboard.runtime;

import dev.switchboard.config.Env;
import java.net.URI;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.apigatewaymanagementapi.ApiGatewayManagementApiClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Builds the AWS SDK clients of a function's composition root: explicit region, the light URL-connection HTTP client,
 * and an endpoint override only where an emulator is configured (DYNAMODB_ENDPOINT, SQS_ENDPOINT); emulators get
 * fixed dummy credentials.
 */
public final class AwsClients {
    private AwsClients() {}

    public static DynamoDbClient dynamoDb(Env env) {
        var b = DynamoDbClient.builder()
                .region(region(env))
                .httpClient(UrlConnectionHttpClient.builder().build());
        Optional<String> endpoint = env.optional(Env.DYNAMODB_ENDPOINT);
        endpoint.ifPresent(e -> b.endpointOverride(URI.create(e)));
        b.credentialsProvider(credentials(endpoint.isPresent()));
        return b.build();
    }

    public static SqsClient sqs(Env env) {
        var b = SqsClient.builder()
                .region(region(env))
                .httpClient(UrlConnectionHttpClient.builder().build());
        Optional<String> endpoint = env.optional(Env.SQS_ENDPOINT);
        endpoint.ifPresent(e -> b.endpointOverride(URI.create(e)));
        b.credentialsProvider(credentials(endpoint.isPresent()));
        return b.build();
    }

    /** The @connections client for CALLBACK_URL (https://{api}.execute-api.{region}.amazonaws.com/{stage}). */
    public static ApiGatewayManagementApiClient connections(Env env) {
        String callback = env.require(Env.CALLBACK_URL);
        boolean local = callback.startsWith("http://");
        return ApiGatewayManagementApiClient.builder()
                .region(region(env))
                .httpClient(UrlConnectionHttpClient.builder().build())
                .endpointOverride(URI.create(callback))
                .credentialsProvider(credentials(local))
                .build();
    }

    public static Region region(Env env) {
        return Region.of(env.get(Env.AWS_REGION, "us-east-1"));
    }

    private static AwsCredentialsProvider credentials(boolean emulator) {
        return emulator
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"))
                : DefaultCredentialsProvider.builder().build();
    }
}
