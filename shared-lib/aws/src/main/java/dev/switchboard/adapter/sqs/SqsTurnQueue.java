package dev.switchboard.adapter.sqs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.config.Env;
import dev.switchboard.config.Setting;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.port.TurnQueue;
import dev.switchboard.usecase.SplitTurnQueue;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * A FIFO queue of {@link TurnRequest}s: MessageGroupId = {@link TurnRequest#groupId()} (the session for turns, the user
 * for memory and index jobs), deduplicated by {@link TurnRequest#deduplicationId()}.
 */
public final class SqsTurnQueue implements TurnQueue {
    private final SqsClient sqs;
    private final String queueUrl;
    private final ObjectMapper json;

    public SqsTurnQueue(SqsClient sqs, String queueUrl, ObjectMapper json) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.json = json;
    }

    /**
     * The turns queue ({@code TURNS_QUEUE_URL}) for turns and resumes, the user-data queue ({@code USER_DATA_QUEUE_URL})
     * for memory and index jobs, over one client.
     */
    public static TurnQueue turnsAndUserData(SqsClient sqs, Env env, ObjectMapper json) {
        return new SplitTurnQueue(new SqsTurnQueue(sqs, env.require(Setting.TURNS_QUEUE_URL), json),
                new SqsTurnQueue(sqs, env.require(Setting.USER_DATA_QUEUE_URL), json));
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
