package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.adapter.sqs.SqsDeadLetters;
import dev.switchboard.port.DeadLetters;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/** {@link SqsDeadLetters} on ElasticMQ: a given-up record lands in its queue's FIFO dead-letter queue once. */
class SqsDeadLettersIT extends OnEmbeddedSqs {
    private static String fifo(String name) {
        return fifo(name, Map.of());
    }

    @Test
    void aMovedRecordKeepsItsGroupAndBodyAndAMoveRepeatedAfterAFailedAcknowledgementStoresItOnce() {
        String turns = fifo("MoveTurns");
        String dead = fifo("MoveTurnsDead");
        DeadLetters letters = new SqsDeadLetters(sqs.client(), Map.of(turns, dead));
        DeadLetters.Dead record = new DeadLetters.Dead(EmbeddedSqs.arn("MoveTurns.fifo"), "msg-1", "user#session",
                "{\"turnId\":\"t-1\"}", 5);

        assertThat(letters.move(record)).isTrue();
        assertThat(letters.move(record)).as("the same message id again: deduplicated by the queue").isTrue();

        List<Message> there = sqs.client().receiveMessage(b -> b.queueUrl(dead).maxNumberOfMessages(10)
                .waitTimeSeconds(1).messageSystemAttributeNames(MessageSystemAttributeName.MESSAGE_GROUP_ID)
                .messageAttributeNames("All"))
                .messages();
        assertThat(there).singleElement().satisfies(m -> {
            assertThat(m.body()).isEqualTo("{\"turnId\":\"t-1\"}");
            assertThat(m.attributes().get(MessageSystemAttributeName.MESSAGE_GROUP_ID)).isEqualTo("user#session");
            assertThat(m.messageAttributes().get(DeadLetters.RECEIVES_ATTRIBUTE).stringValue()).isEqualTo("5");
            assertThat(m.messageAttributes().get(DeadLetters.SOURCE_ATTRIBUTE).stringValue())
                    .isEqualTo(EmbeddedSqs.arn("MoveTurns.fifo"));
        });
    }

    @Test
    void aRecordOfAQueueWithoutADeadLetterQueueHereIsLeftToTheQueuesRedrive() {
        String turns = fifo("MoveOnly");
        DeadLetters letters = new SqsDeadLetters(sqs.client(), Map.of(turns, fifo("MoveOnlyDead")));
        assertThat(letters.move(new DeadLetters.Dead(EmbeddedSqs.arn("UserData.fifo"), "m", "g", "job", 5))).isFalse();
        // a dead-letter queue that does not exist: the send fails, reported as not moved
        DeadLetters broken = new SqsDeadLetters(sqs.client(), Map.of(turns,
                turns.replace("MoveOnly.fifo", "NoSuchQueue.fifo")));
        assertThat(broken.move(new DeadLetters.Dead(EmbeddedSqs.arn("MoveOnly.fifo"), "m", "g", "x", 5))).isFalse();
    }
}
