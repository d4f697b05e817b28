package dev.switchboard.turn;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.log.LogContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One SQS batch of turns. Each message group (session) runs on its own virtual thread, so the sessions of a batch are
 * answered at the same time; inside a group the records run in order. A failed record is reported as a batch item
 * failure, and so is every later record of its group (they must not overtake it), unless the failed record was on its
 * last delivery: it is given up (dead-lettered), so the turns behind it run now instead of following it to the DLQ.
 */
public final class TurnBatch {
    private static final Logger LOG = LoggerFactory.getLogger(TurnBatch.class);

    /** One queue record as the event source mapping delivers it. */
    public record QueuedTurn(String messageId, String groupId, String body, int receiveCount) {}

    private final TurnRunner runner;
    private final ObjectMapper json;

    private final UserDataJobs jobs;

    public TurnBatch(TurnRunner runner, ObjectMapper json) {
        this(runner, json, null);
    }

    /** @param jobs the per-user background jobs (memory, index); null when memory and documents are off */
    public TurnBatch(TurnRunner runner, ObjectMapper json, UserDataJobs jobs) {
        this.jobs = jobs;
        this.runner = runner;
        this.json = json;
    }

    /** SnapStart priming of the turn path beyond the first read (see {@link TurnRunner#prime()}). */
    public void prime() {
        runner.prime();
    }

    /** @return the message ids to report as batch item failures */
    public List<String> process(List<QueuedTurn> records, LongSupplier remainingMillis) {
        Map<String, List<QueuedTurn>> groups = new LinkedHashMap<>();
        for (QueuedTurn r : records) {
            String key = r.groupId() == null ? "\u0000" + r.messageId() : r.groupId();
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
        }
        if (groups.size() <= 1) {
            return groups.isEmpty() ? List.of() : processGroup(groups.values().iterator().next(), remainingMillis);
        }
        Map<String, String> logIds = MDC.getCopyOfContextMap();
        List<List<QueuedTurn>> groupList = new ArrayList<>(groups.values());
        List<String> failed = new ArrayList<>();
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<List<String>>> results = new ArrayList<>();
            for (List<QueuedTurn> group : groupList) {
                results.add(threads.submit(() -> {
                    if (logIds != null) {
                        MDC.setContextMap(logIds);
                    }
                    return processGroup(group, remainingMillis);
                }));
            }
            for (int i = 0; i < results.size(); i++) {
                try {
                    failed.addAll(results.get(i).get());
                } catch (ExecutionException | InterruptedException e) {
                    if (e instanceof InterruptedException) {
                        Thread.currentThread().interrupt();
                    }
                    LOG.error("a session's turns did not complete; all of them will be retried", e);
                    groupList.get(i).forEach(r -> failed.add(r.messageId()));
                }
            }
        }
        return failed;
    }

    private List<String> processGroup(List<QueuedTurn> group, LongSupplier remainingMillis) {
        List<String> failed = new ArrayList<>();
        boolean blocked = false;
        for (QueuedTurn r : group) {
            if (blocked) {
                failed.add(r.messageId());
                continue;
            }
            try {
                TurnRequest turn = json.readValue(r.body(), TurnRequest.class);
                LogContext.turn(turn.userId(), turn.sessionId(), turn.turnId());
                LogContext.correlate(turn.correlationId());
                if (turn.runsTurn()) {
                    runner.run(turn, r.receiveCount(), remainingMillis.getAsLong());
                } else if (jobs != null) {
                    jobs.run(turn, r.receiveCount());
                } else {
                    LOG.warn("{} job acknowledged: memory and documents are off here", turn.kind());
                }
            } catch (Exception e) {
                boolean lastDelivery = r.receiveCount() >= runner.maxReceiveCount();
                // a record that is not a turn at all needs no stack trace; a failed turn does
                String outcome = lastDelivery ? "given up" : "will be retried";
                if (e instanceof JsonProcessingException) {
                    LOG.error("turn failed (receive {} of {}), {}: {}", r.receiveCount(), runner.maxReceiveCount(),
                            outcome, e.getClass().getSimpleName());
                } else {
                    LOG.error("turn failed (receive {} of {}), {}: {}", r.receiveCount(), runner.maxReceiveCount(),
                            outcome, e.getClass().getSimpleName(), e);
                }
                failed.add(r.messageId());
                blocked = !lastDelivery;
            } finally {
                LogContext.turn(null, null, null);
                LogContext.correlate(null);
            }
        }
        return failed;
    }
}
