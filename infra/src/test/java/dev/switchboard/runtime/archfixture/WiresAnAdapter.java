package dev.switchboard.runtime.archfixture;

/** Forbidden on purpose (ArchitectureRulesCatchTest): the Lambda edge building a DynamoDB adapter. */
public final class WiresAnAdapter {
    public static Object store() {
        return new dev.switchboard.adapter.dynamodb.DynamoDbConnectionStore(null, "t");
    }
}
