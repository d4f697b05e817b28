package dev.switchboard.infra;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** An SQS adapter's test on an embedded ElasticMQ of its own (started before the class's tests, closed after). */
abstract class OnEmbeddedSqs {
    static EmbeddedSqs sqs;

    @BeforeAll
    static void startSqs() {
        sqs = new EmbeddedSqs(0, Optional.empty());
    }

    @AfterAll
    static void stopSqs() {
        sqs.close();
    }

    /** Creates the FIFO queue {@code <name>.fifo} with {@code more} attributes; @return its URL */
    static String fifo(String name, Map<QueueAttributeName, String> more) {
        Map<QueueAttributeName, String> attributes = new HashMap<>(more);
        attributes.put(QueueAttributeName.FIFO_QUEUE, "true");
        return sqs.client().createQueue(b -> b.queueName(name + ".fifo").attributes(attributes)).queueUrl();
    }
}
