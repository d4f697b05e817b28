package dev.switchboard.agent;

import dev.langchain4j.model.bedrock.BedrockStreamingChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.switchboard.config.Env;
import dev.switchboard.config.Setting;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;

/**
 * The {@code bedrock:<model or inference-profile id>} provider: langchain4j's Bedrock Converse streaming model over
 * one Bedrock runtime client of the AWS SDK, built once at init in AWS_REGION with the role's credentials. The SDK's
 * event-stream API needs an asynchronous HTTP client: Netty's, which only the worker's jar carries, over HTTP/1.1 (the
 * SDK would pick HTTP/2 for this service, which only its bidirectional API needs; ConverseStream's event stream runs
 * over HTTP/1.1 chunked responses, as every boto3 client calls it). BEDROCK_ENDPOINT
 * overrides the endpoint (a test double at an {@code http://} address gets fixed dummy credentials). This is the one
 * agent class that names the AWS SDK (the architecture test holds it so).
 */
final class BedrockModels {
    private BedrockModels() {}

    /** One client for every Bedrock model of MODELS (its connection pool is shared). */
    static BedrockRuntimeAsyncClient client(Env env, Duration timeout) {
        var b = BedrockRuntimeAsyncClient.builder()
                .region(Region.of(env.text(Setting.AWS_REGION)))
                // MODEL_TIMEOUT_SECONDS bounds connecting and each wait for the next bytes, not a whole streamed answer
                .httpClientBuilder(NettyNioAsyncHttpClient.builder().protocol(Protocol.HTTP1_1)
                        .connectionTimeout(timeout).readTimeout(timeout));
        Optional<String> endpoint = env.optional(Setting.BEDROCK_ENDPOINT);
        endpoint.ifPresent(e -> b.endpointOverride(URI.create(e)));
        b.credentialsProvider(credentials(endpoint.filter(e -> e.startsWith("http://")).isPresent()));
        return b.build();
    }

    static StreamingChatModel model(BedrockRuntimeAsyncClient client, String modelId) {
        return BedrockStreamingChatModel.builder()
                .client(client)
                .modelId(modelId)
                .build();
    }

    private static AwsCredentialsProvider credentials(boolean testDouble) {
        return testDouble
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"))
                : DefaultCredentialsProvider.builder().build();
    }
}
