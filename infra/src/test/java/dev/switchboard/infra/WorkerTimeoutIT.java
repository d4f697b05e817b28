package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The worker with a timeout of a few seconds ({@code WorkerTimeoutSeconds} overridden, as a test may): its turns still
 * run (every deadline is derived from the time left), and the local stack ends an invocation still running at the
 * timeout as Lambda does: interrupted, its result discarded, its batch left to come back after its visibility.
 * A stack of its own; the substituted handler comes last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WorkerTimeoutIT {
    private static final int TIMEOUT_SECONDS = 3;
    private static LocalStack stack;

    @BeforeAll
    static void start() {
        stack = LocalStack.start(LocalStack.Options.defaults()
                .withWorkerTimeout(TIMEOUT_SECONDS)
                .withVisibility(1)
                .withEnv(Map.of("OFFLINE_DELAY_MILLIS", "20", "CANCEL_POLL_MILLIS", "200")));
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    @Test
    @Order(1)
    void aWorkerWithAThreeSecondTimeoutAnswersATurnWithinIt() {
        assertThat(stack.workerTimeoutSeconds()).isEqualTo(TIMEOUT_SECONDS);
        try (WsClient c = WsClient.connect(stack.webSocketUrl(), stack.tokens().issue("timeout-user",
                Duration.ofHours(1)))) {
            String turn = c.request("{\"action\":\"sendMessage\",\"clientMessageId\":\"m-1\",\"text\":"
                    + "\"one two three four five six seven eight nine ten\"}", "accepted").path("turnId").asText();
            JsonNode done = c.await(WsClient.doneOf(turn), Duration.ofSeconds(30));
            assertThat(done.path("finishReason").asText()).isEqualTo("STOP");
            await().atMost(Duration.ofSeconds(30)).until(stack::workerIdle); // its memory job too
        }
        assertThat(stack.workerTimeouts()).as("no invocation ran into the timeout").isZero();
        // the stack's first turn runs on a cold JVM and may give up at its deadline once; its retry answers
        assertThat(stack.workerRedeliveries()).isLessThanOrEqualTo(1);
    }

    @Test
    @Order(2)
    void anInvocationStillRunningAtTheTimeoutIsInterruptedAndItsBatchComesBackAfterItsVisibility() {
        List<Integer> receives = new CopyOnWriteArrayList<>();
        List<Long> interruptedAfterMillis = new CopyOnWriteArrayList<>();
        AtomicBoolean resultOfTheEndedRunSeen = new AtomicBoolean();
        stack.substituteHandler("WorkerFunction", env -> (RequestHandler<SQSEvent, SQSBatchResponse>) (event, ctx) -> {
            if (event.getRecords() == null || event.getRecords().isEmpty()
                    || !"g-timeout".equals(event.getRecords().get(0).getAttributes().get("MessageGroupId"))) {
                return SQSBatchResponse.builder().withBatchItemFailures(List.of()).build(); // the sweep schedule
            }
            int receive = Integer.parseInt(event.getRecords().get(0).getAttributes().get("ApproximateReceiveCount"));
            receives.add(receive);
            if (receive == 1) {
                long start = System.nanoTime();
                try {
                    Thread.sleep(60_000); // a run far longer than the function's timeout
                } catch (InterruptedException e) {
                    interruptedAfterMillis.add((System.nanoTime() - start) / 1_000_000);
                }
                resultOfTheEndedRunSeen.set(true);
                // a failure report it would make now must not count: the invocation has been ended
                return SQSBatchResponse.builder().withBatchItemFailures(List.of(
                        new SQSBatchResponse.BatchItemFailure(event.getRecords().get(0).getMessageId()))).build();
            }
            return SQSBatchResponse.builder().withBatchItemFailures(List.of()).build();
        });
        String queue = stack.queueUrl(TemplateModel.TURNS_QUEUE);
        stack.sqs().sendMessage(b -> b.queueUrl(queue).messageBody("{}").messageGroupId("g-timeout")
                .messageDeduplicationId("d-timeout"));

        await().atMost(Duration.ofSeconds(30)).until(() -> receives.size() >= 2 && stack.queueIdle(TemplateModel.TURNS_QUEUE));

        assertThat(interruptedAfterMillis).as("the first run, interrupted at the timeout").hasSize(1);
        assertThat(interruptedAfterMillis.get(0)).isBetween(TIMEOUT_SECONDS * 1000L - 200, TIMEOUT_SECONDS * 1000L + 2000);
        assertThat(resultOfTheEndedRunSeen).isTrue();
        assertThat(receives).as("delivered again after the ended run, then deleted").containsExactly(1, 2);
        assertThat(stack.workerTimeouts()).isEqualTo(1);

        // a direct invocation past its timeout throws (the caller sees the timeout, as Lambda's Invoke reports it)
        SQSEvent event = new SQSEvent();
        SQSEvent.SQSMessage m = new SQSEvent.SQSMessage();
        m.setMessageId("direct");
        m.setBody("{}");
        m.setAttributes(Map.of("ApproximateReceiveCount", "1", "MessageGroupId", "g-timeout"));
        event.setRecords(List.of(m));
        long before = stack.timedOutInvocations();
        assertThatThrownBy(() -> stack.invoke("WorkerFunction", event, 1))
                .isInstanceOf(FunctionHost.InvocationTimedOutException.class).hasMessageContaining("1 s");
        assertThat(stack.timedOutInvocations()).isEqualTo(before + 1);
    }
}
