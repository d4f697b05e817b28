package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.switchboard.adapter.sqs.SqsQueueRetries;
import dev.switchboard.port.QueueRetries;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** {@link SqsQueueRetries} on ElasticMQ: a failed record comes back after the retry delay, not the queue's timeout. */
class SqsQueueRetriesIT extends OnEmbeddedSqs {
    private static String fifo(String name) {
        return fifo(name, Map.of(QueueAttributeName.VISIBILITY_TIMEOUT, "600"));
    }

    private static List<Message> receive(String url, int waitSeconds) {
        return sqs.client().receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(waitSeconds))
                .messages();
    }

    @Test
    void aRetriedRecordComesBackAfterTheDelayAndAnotherQueuesRecordIsLeftAlone() {
        String turns = fifo("RetriesTurns");
        String other = fifo("RetriesOther");
        for (String url : List.of(turns, other)) {
            sqs.client().sendMessage(b -> b.queueUrl(url).messageBody("job").messageGroupId("g")
                    .messageDeduplicationId("d-" + url.hashCode()));
        }
        Message turn = receive(turns, 1).get(0);
        Message notOurs = receive(other, 1).get(0);
        assertThat(receive(turns, 1)).as("in flight for the queue's 600 s").isEmpty();

        // only the turns queue is the worker's; the record of the other queue is not matched to any URL
        new SqsQueueRetries(sqs.client(), List.of(turns)).retryAfter(List.of(
                new QueueRetries.Receipt(EmbeddedSqs.arn("RetriesTurns.fifo"), turn.receiptHandle()),
                new QueueRetries.Receipt(EmbeddedSqs.arn("RetriesOther.fifo"), notOurs.receiptHandle())), 1);

        List<Message> again = receive(turns, 5);
        assertThat(again).as("back after the 1 s delay").hasSize(1);
        assertThat(again.get(0).messageId()).isEqualTo(turn.messageId());
        assertThat(receive(other, 2)).as("the other queue's record keeps its visibility").isEmpty();
    }

    @Test
    void aStaleReceiptIsReportedNotThrown() {
        String turns = fifo("RetriesStale");
        // best effort: the record then comes back after the queue's visibility timeout, the turn's failure stands
        assertThatCode(() -> new SqsQueueRetries(sqs.client(), List.of(turns)).retryAfter(List.of(
                new QueueRetries.Receipt(EmbeddedSqs.arn("RetriesStale.fifo"), "not-a-receipt-handle")), 1))
                .doesNotThrowAnyException();
    }
}
