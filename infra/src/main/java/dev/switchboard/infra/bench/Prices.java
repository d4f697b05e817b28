package dev.switchboard.infra.bench;

/**
 * The AWS list prices (us-east-1, as documented in docs/performance.md) and the sizing assumptions that the load
 * benchmark turns its counts into a cost per 1,000 turns with. Change them here and in docs/performance.md together.
 */
public final class Prices {
    private Prices() {}

    /** DynamoDB on-demand: per write request unit (1 KB written; a transactional write counts 2). */
    public static final double DYNAMODB_WRITE_UNIT = 1.25 / 1_000_000;
    /** DynamoDB on-demand: per read request unit (4 KB strongly consistent, 8 KB eventually consistent). */
    public static final double DYNAMODB_READ_UNIT = 0.25 / 1_000_000;
    /** SQS FIFO: per request, each 64 KB chunk of a payload one request. */
    public static final double SQS_FIFO_REQUEST = 0.50 / 1_000_000;
    /** API Gateway WebSocket: per message, in 32 KB units, in either direction. */
    public static final double APIGW_MESSAGE = 1.00 / 1_000_000;
    /** API Gateway WebSocket: per connection minute. */
    public static final double APIGW_CONNECTION_MINUTE = 0.25 / 1_000_000;
    /** Lambda (x86_64, as template.yaml deploys; arm64 is 20 % cheaper): per GB-second. */
    public static final double LAMBDA_GB_SECOND = 0.0000166667;
    /** Lambda: per request (invocation). */
    public static final double LAMBDA_REQUEST = 0.20 / 1_000_000;

    /** Lambda invocations per WebSocket connection besides messages: authorizer, connect, disconnect. */
    public static final int INVOCATIONS_PER_CONNECTION = 3;
    /** SQS requests of the event source mapping per worker batch (ReceiveMessage + DeleteMessageBatch). */
    public static final int EVENT_SOURCE_REQUESTS_PER_BATCH = 2;
}
