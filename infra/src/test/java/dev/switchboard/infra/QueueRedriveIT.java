package dev.switchboard.infra;

import dev.switchboard.config.Setting;
import dev.switchboard.port.DeadLetters;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.Message;

/** The local event source mapping: failures come back after the visibility timeout and end in the DLQ. */
class QueueRedriveIT {

    @Test
    void aTurnThatAlwaysFailsEndsInTheDeadLetterQueueWhileOtherSessionsAreAnswered() {
        LocalStack stack = StackFixture.stack();
        String queue = stack.queueUrl("TurnsQueue");
        String dlq = stack.queueUrl("TurnsDeadLetterQueue");
        String poisonGroup = "poison-" + UUID.randomUUID();
        String body = "{this is not a turn " + poisonGroup + "}";
        stack.sqs().sendMessage(b -> b.queueUrl(queue).messageBody(body)
                .messageGroupId(poisonGroup).messageDeduplicationId(poisonGroup));

        // meanwhile a real user is answered
        String user = "olga-" + UUID.randomUUID().toString().substring(0, 8);
        try (WsClient c = WsClient.connect(stack.webSocketUrl(), stack.tokens().issue(user, Duration.ofHours(1)))) {
            JsonNode acc = c.request("{\"action\":\"sendMessage\",\"clientMessageId\":\"o-1\",\"text\":\"still here\"}",
                    "accepted");
            c.await(WsClient.doneOf(acc.path("turnId").asText()), Duration.ofSeconds(20));
        }

        // MAX_RECEIVE_COUNT receives, each retried after the stack's short FAILED_RECORD_RETRY_SECONDS, then the
        // worker moves the record to the DLQ itself, with the receives it had
        int maxReceives = Integer.parseInt(stack.environment("WorkerFunction").get(Setting.MAX_RECEIVE_COUNT.name()));
        List<Message> dead = await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500))
                .until(() -> stack.sqs().receiveMessage(b -> b.queueUrl(dlq).maxNumberOfMessages(10)
                                .messageAttributeNames("All"))
                        .messages().stream().filter(m -> m.body().equals(body)).toList(), l -> !l.isEmpty());
        assertThat(dead).hasSize(1);
        assertThat(Integer.parseInt(dead.get(0).messageAttributes().get(DeadLetters.RECEIVES_ATTRIBUTE).stringValue()))
                .isEqualTo(maxReceives);
        assertThat(stack.sqs().receiveMessage(b -> b.queueUrl(queue).maxNumberOfMessages(10)).messages())
                .noneMatch(m -> m.body().equals(body));
    }

    @Test
    void aTurnQueuedBehindOneThatIsGivenUpIsStillAnswered() {
        LocalStack stack = StackFixture.stack();
        String queue = stack.queueUrl("TurnsQueue");
        String user = "rita-" + UUID.randomUUID().toString().substring(0, 8);
        try (WsClient c = WsClient.connect(stack.webSocketUrl(), stack.tokens().issue(user, Duration.ofHours(1)))) {
            JsonNode first = c.request("{\"action\":\"sendMessage\",\"clientMessageId\":\"r-1\",\"text\":\"one\"}",
                    "accepted");
            String session = first.path("sessionId").asText();
            // a turn of this session that always fails, then the user's next message queued behind it
            stack.sqs().sendMessage(b -> b.queueUrl(queue).messageBody("{broken turn}")
                    .messageGroupId(dev.switchboard.domain.TurnRequest.sessionGroup(user, session))
                    .messageDeduplicationId("broken-" + session));
            JsonNode second = c.request("{\"action\":\"sendMessage\",\"clientMessageId\":\"r-2\",\"sessionId\":\""
                    + session + "\",\"text\":\"two\"}", "accepted");
            // the broken turn blocks its session for its three deliveries, then the second turn runs
            JsonNode done = c.await(WsClient.doneOf(second.path("turnId").asText()), Duration.ofSeconds(40));
            assertThat(done.path("sessionId").asText()).isEqualTo(session);
            assertThat(c.frames.indexOf(c.await(WsClient.doneOf(first.path("turnId").asText()), Duration.ofSeconds(1))))
                    .isLessThan(c.frames.indexOf(done));
        }
    }
}
