package dev.switchboard.adapter.sqs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.port.TurnQueue;
import software.amazon.awssdk.services.sqs.SqsClient;

/** The FIFO turns queue: MessageGroupId = session id (one turn at a time per session), deduplicated by turn id. */
public final class SqsTurnQueue implements TurnQueue {
    private final SqsClient sqs;
    private final String queueUrl;
    private final ObjectMapper json;

    public SqsTurnQueue(SqsClient sqs, String queueUrl, ObjectMapper json) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.json = json;
    }

    @Override
    public void enqueue(TurnRequest turn) {
        String body;
        try {
            body = json.writeValueAsString(turn);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        sqs.sendMessage(b -> b.queueUrl(queueUrl)
                .messageBody(body)
                .messageGroupId(turn.groupId())
                .messageDeduplicationId(turn.deduplicationId()));
    }
}
