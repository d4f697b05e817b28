package dev.switchboard.infra;

import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;
import software.amazon.awssdk.services.sqs.model.SqsException;

/**
 * Refuses a share of the {@code SendMessage} calls of the clients it is installed in (as an SDK interceptor, see
 * {@link LocalStack.Options#withAwsInterceptors}), the way a queue that is unavailable for a moment does: the call fails
 * with HTTP 503 before anything is sent, so the message is not queued. Counts the calls, the refusals and the distinct
 * jobs (deduplication ids) refused at least once.
 */
final class RefusedSendMessage implements ExecutionInterceptor {
    private final int percent;
    private final Random random;
    private final LongAdder calls = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final Set<String> refusedJobs = ConcurrentHashMap.newKeySet();

    /** @param percent share of SendMessage calls to refuse, chosen at random from {@code seed} */
    RefusedSendMessage(int percent, long seed) {
        this.percent = percent;
        this.random = new Random(seed);
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        if (!(context.request() instanceof SendMessageRequest send)) {
            return;
        }
        calls.increment();
        boolean refuse;
        synchronized (random) {
            refuse = random.nextInt(100) < percent;
        }
        if (refuse) {
            refused.increment();
            refusedJobs.add(send.messageDeduplicationId());
            throw SqsException.builder().statusCode(503).message("SendMessage refused (injected)").build();
        }
    }

    long calls() {
        return calls.sum();
    }

    long refused() {
        return refused.sum();
    }

    int refusedJobs() {
        return refusedJobs.size();
    }
}
