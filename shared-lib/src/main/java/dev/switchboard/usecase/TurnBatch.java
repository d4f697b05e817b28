package dev.switchboard.usecase;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.log.LogContext;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SQS batch of turns. Records run in order; a failed record is reported as a batch item failure, and so is every
 * later record of the same message group (session), so a session's turns are never answered out of order. Other
 * sessions in the batch go on.
 */
public final class TurnBatch {
    private static final Logger LOG = LoggerFactory.getLogger(TurnBatch.class);

    /** One queue record as the event source mapping delivers it. */
    public record QueuedTurn(String messageId, String groupId, String body, int receiveCount) {}

    private final TurnRunner runner;
    private final ObjectMapper json;

    public TurnBatch(TurnRunner runner, ObjectMapper json) {
        this.runner = runner;
        this.json = json;
    }

    /** @return the message ids to report as batch item failures */
    public List<String> process(List<QueuedTurn> records, LongSupplier remainingMillis) {
        List<String> failed = new ArrayList<>();
        Set<String> failedGroups = new HashSet<>();
        for (QueuedTurn r : records) {
            if (r.groupId() != null && failedGroups.contains(r.groupId())) {
                failed.add(r.messageId());
                continue;
            }
            try {
                TurnRequest turn = json.readValue(r.body(), TurnRequest.class);
                LogContext.turn(turn.userId(), turn.sessionId(), turn.turnId());
                runner.run(turn, r.receiveCount(), remainingMillis.getAsLong());
            } catch (Exception e) {
                LOG.error("turn failed (receive {}), will be retried or dead-lettered: {}", r.receiveCount(),
                        e.getClass().getSimpleName(), e);
                failed.add(r.messageId());
                if (r.groupId() != null) {
                    failedGroups.add(r.groupId());
                }
            } finally {
                LogContext.turn(null, null, null);
            }
        }
        return failed;
    }
}
