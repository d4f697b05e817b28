package dev.switchboard.turn;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.log.LogContext;
import dev.switchboard.port.DeadLetters;
import dev.switchboard.port.QueueRetries;
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
 * Failed records come back after {@code retrySeconds} ({@link QueueRetries}) rather than the queue's visibility
 * timeout, except those of a group whose turn another live run holds ({@link TurnHeldException}): they keep the
 * visibility timeout, so their retries do not run out before that run's claim lapses.
 */
public final class TurnBatch {
    private static final Logger LOG = LoggerFactory.getLogger(TurnBatch.class);

    /**
     * One queue record as the event source mapping delivers it.
     *
     * @param receipt where the record came from and its receipt handle (null: it cannot be retried sooner)
     */
    public record QueuedTurn(String messageId, String groupId, String body, int receiveCount,
                             QueueRetries.Receipt receipt) {
        public QueuedTurn(String messageId, String groupId, String body, int receiveCount) {
            this(messageId, groupId, body, receiveCount, null);
        }
    }

    /**
     * A failed record, whether it may come back sooner than the queue's visibility timeout, and whether it comes back
     * at once (its run was handed off, or it is behind such a record in its group).
     */
    private record Failure(QueuedTurn record, boolean retrySoon, boolean now) {
        Failure(QueuedTurn record, boolean retrySoon) {
            this(record, retrySoon, false);
        }
    }

    private final TurnRunner runner;
    private final ObjectMapper json;

    private final UserDataJobs jobs;
    private final QueueRetries retries;
    private final int retrySeconds;
    private final DeadLetters deadLetters;

    public TurnBatch(TurnRunner runner, ObjectMapper json) {
        this(runner, json, null);
    }

    /** @param jobs the per-user background jobs (memory, index); null when memory and documents are off */
    public TurnBatch(TurnRunner runner, ObjectMapper json, UserDataJobs jobs) {
        this(runner, json, jobs, QueueRetries.NONE, 0);
    }

    /**
     * @param retries      brings failed records back after {@code retrySeconds}
     * @param retrySeconds the delay before a failed record's next delivery (0: the queue's visibility timeout)
     */
    public TurnBatch(TurnRunner runner, ObjectMapper json, UserDataJobs jobs, QueueRetries retries, int retrySeconds) {
        this(runner, json, jobs, retries, retrySeconds, DeadLetters.NONE);
    }

    /** @param deadLetters moves a record given up to its dead-letter queue at once (else the queue's redrive will) */
    public TurnBatch(TurnRunner runner, ObjectMapper json, UserDataJobs jobs, QueueRetries retries, int retrySeconds,
                     DeadLetters deadLetters) {
        this.deadLetters = deadLetters;
        this.jobs = jobs;
        this.runner = runner;
        this.json = json;
        this.retries = retries;
        this.retrySeconds = retrySeconds;
    }

    /** SnapStart priming of the turn path beyond the first read (see {@link TurnRunner#prime()}). */
    public void prime() {
        runner.prime();
    }

    /** @return the message ids to report as batch item failures */
    public List<String> process(List<QueuedTurn> records, LongSupplier remainingMillis) {
        List<Failure> failures = failures(records, remainingMillis);
        List<QueueRetries.Receipt> now = failures.stream().filter(f -> f.now() && f.record().receipt() != null)
                .map(f -> f.record().receipt()).toList();
        if (!now.isEmpty()) {
            retries.retryAfter(now, 0);
        }
        List<QueueRetries.Receipt> soon = failures.stream()
                .filter(f -> f.retrySoon() && !f.now() && f.record().receipt() != null)
                .map(f -> f.record().receipt()).toList();
        if (retrySeconds > 0 && !soon.isEmpty()) {
            retries.retryAfter(soon, retrySeconds);
        }
        return failures.stream().map(f -> f.record().messageId()).toList();
    }

    private List<Failure> failures(List<QueuedTurn> records, LongSupplier remainingMillis) {
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
        List<Failure> failed = new ArrayList<>();
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<List<Failure>>> results = new ArrayList<>();
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
                    groupList.get(i).forEach(r -> failed.add(new Failure(r, false)));
                }
            }
        }
        return failed;
    }

    private List<Failure> processGroup(List<QueuedTurn> group, LongSupplier remainingMillis) {
        List<Failure> failed = new ArrayList<>();
        boolean blocked = false;
        boolean held = false; // another live run holds the group's session: nothing of it comes back sooner
        boolean handedOff = false; // the group's head was handed off: it and the rest come back at once
        for (QueuedTurn r : group) {
            if (blocked) {
                failed.add(new Failure(r, !held, handedOff));
                continue;
            }
            boolean turnRun = false;
            try {
                TurnRequest turn = json.readValue(r.body(), TurnRequest.class);
                LogContext.turn(turn.userId(), turn.sessionId(), turn.turnId());
                LogContext.correlate(turn.correlationId());
                if (turn.runsTurn()) {
                    turnRun = true;
                    runner.run(turn, r.receiveCount(), remainingMillis.getAsLong());
                } else if (jobs != null) {
                    jobs.run(turn, r.receiveCount());
                } else {
                    LOG.warn("{} job acknowledged: memory and documents are off here", turn.kind());
                }
            } catch (TurnHandedOffException e) {
                // not a failure: the same record stays at the head of its group and continues the run next
                LOG.info("turn handed off (receive {}), back on the queue at once", r.receiveCount());
                handedOff = true;
                failed.add(new Failure(r, true, true));
                blocked = true;
            } catch (Exception e) {
                // the runner gives a turn up by its failed deliveries (hand-offs do not count); a record that is not
                // a turn, or a job, by its receives
                boolean lastDelivery = turnRun ? e instanceof TurnGivenUpException
                        : r.receiveCount() >= runner.maxReceiveCount();
                String outcome = lastDelivery ? "given up" : "will be retried";
                Throwable cause = e instanceof TurnGivenUpException && e.getCause() != null ? e.getCause() : e;
                if (e instanceof JsonProcessingException) {
                    // a record that is not a turn at all needs no stack trace; a failed turn does
                    LOG.error("turn failed (receive {}), {}: {}", r.receiveCount(), outcome,
                            e.getClass().getSimpleName());
                } else {
                    LOG.error("turn failed (receive {}), {}: {}", r.receiveCount(), outcome,
                            cause.getClass().getSimpleName(), cause);
                }
                held = e instanceof TurnHeldException;
                if (lastDelivery && r.receipt() != null && deadLetters.move(new DeadLetters.Dead(
                        r.receipt().queue(), r.messageId(), r.groupId(), r.body(), r.receiveCount()))) {
                    LOG.info("given-up record moved to the dead-letter queue");
                } else {
                    failed.add(new Failure(r, !held));
                }
                blocked = !lastDelivery;
            } finally {
                LogContext.turn(null, null, null);
                LogContext.correlate(null);
            }
        }
        return failed;
    }
}
