package dev.switchboard.adapter.aws;

import dev.switchboard.config.Setting;
import dev.switchboard.config.Env;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.apigatewaymanagementapi.ApiGatewayManagementApiClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Builds the AWS SDK clients of a function's composition root: explicit region, the light URL-connection HTTP client,
 * and an endpoint override only where an emulator is configured (DYNAMODB_ENDPOINT, SQS_ENDPOINT, SECRETS_MANAGER_ENDPOINT); emulators get
 * fixed dummy credentials. A host may hand the composition roots {@link Interceptors} through
 * {@link Env#withExtra} (the local benchmark counts every request this way); without them no interceptor is added.
 */
public final class AwsClients {
    private AwsClients() {}

    /** SDK execution interceptors to add to every client built from an {@link Env} that carries this extra. */
    public record Interceptors(List<ExecutionInterceptor> list) {
        public Interceptors {
            list = List.copyOf(list);
        }
    }

    public static DynamoDbClient dynamoDb(Env env) {
        return build(DynamoDbClient.builder(), env, Setting.DYNAMODB_ENDPOINT);
    }

    public static SqsClient sqs(Env env) {
        return build(SqsClient.builder(), env, Setting.SQS_ENDPOINT);
    }

    /** The Secrets Manager client (SECRETS_MANAGER_ENDPOINT overrides the endpoint: the tests' local double). */
    public static SecretsManagerClient secretsManager(Env env) {
        return build(SecretsManagerClient.builder(), env, Setting.SECRETS_MANAGER_ENDPOINT);
    }

    /** A client of the environment's region and the light HTTP client; {@code endpoint}, when set, names an emulator. */
    private static <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C build(
            B builder, Env env, Setting endpoint) {
        builder.region(region(env)).httpClient(UrlConnectionHttpClient.builder().build());
        Optional<String> override = env.optional(endpoint);
        override.ifPresent(e -> builder.endpointOverride(URI.create(e)));
        builder.credentialsProvider(credentials(override.isPresent()));
        interceptors(env).ifPresent(builder::overrideConfiguration);
        return builder.build();
    }

    /** The @connections client for CALLBACK_URL (https://{api}.execute-api.{region}.amazonaws.com/{stage}). */
    public static ApiGatewayManagementApiClient connections(Env env) {
        String callback = env.require(Setting.CALLBACK_URL);
        boolean local = callback.startsWith("http://");
        var b = ApiGatewayManagementApiClient.builder()
                .region(region(env))
                .httpClient(UrlConnectionHttpClient.builder().build())
                .endpointOverride(URI.create(callback))
                .credentialsProvider(credentials(local));
        interceptors(env).ifPresent(b::overrideConfiguration);
        return b.build();
    }

    /** The override configuration that adds the environment's interceptors; empty (the default) without any. */
    static Optional<ClientOverrideConfiguration> interceptors(Env env) {
        return env.extra(Interceptors.class)
                .filter(i -> !i.list().isEmpty())
                .map(i -> ClientOverrideConfiguration.builder().executionInterceptors(i.list()).build());
    }

    public static Region region(Env env) {
        return Region.of(env.text(Setting.AWS_REGION));
    }

    private static AwsCredentialsProvider credentials(boolean emulator) {
        return emulator
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"))
                : DefaultCredentialsProvider.builder().build();
    }
}
