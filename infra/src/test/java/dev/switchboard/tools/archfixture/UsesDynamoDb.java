package dev.switchboard.tools.archfixture;

/** Forbidden on purpose (ArchitectureRulesCatchTest): an agent tool that talks to DynamoDB itself. */
public final class UsesDynamoDb {
    public static Object client() {
        return software.amazon.awssdk.services.dynamodb.DynamoDbClient.builder();
    }
}
