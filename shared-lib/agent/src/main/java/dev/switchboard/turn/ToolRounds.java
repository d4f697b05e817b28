package dev.switchboard.turn;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.ToolCall;
import dev.switchboard.domain.ToolStatus;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.port.Clock;
import dev.switchboard.port.MessageStore;
import dev.switchboard.protocol.ServerEvent;
import dev.switchboard.tools.AgentTool;
import dev.switchboard.tools.ToolContext;
import dev.switchboard.tools.ToolException;
import dev.switchboard.tools.ToolSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tool calls of one turn: each is stored before it runs; a call that needs approval is stored pending and pauses
 * the turn until the user decides; an approved call is claimed (approved → running) so it runs at most once even when
 * deliveries race; a call a dead worker left running is never run again. Results go to the conversation and, as
 * events, to the owner's connections.
 */
final class ToolRounds {
    private static final Logger LOG = LoggerFactory.getLogger(ToolRounds.class);
    private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9._:\\-]{1,64}");
    /** Tool results longer than this are cut (they travel in one event frame and back to the model). */
    static final int MAX_TOOL_RESULT_CHARS = 8_000;
    static final String UNKNOWN_RESULT = "The outcome of this tool call is unknown (the worker running it stopped); "
            + "it was not run again.";

    private final MessageStore messages;
    private final ToolSet tools;
    private final Clock clock;
    private final TurnRequest request;
    private final TurnOutput output;
    private final List<ChatMessage> conversation;
    private final List<StoredMessage> steps;
    private int round;
    private boolean ranInCatchUp;

    /** @param steps the turn's stored tool calls, in step order */
    ToolRounds(MessageStore messages, ToolSet tools, Clock clock, TurnRequest request, TurnOutput output,
               List<ChatMessage> conversation, List<StoredMessage> steps) {
        this.messages = messages;
        this.tools = tools;
        this.clock = clock;
        this.request = request;
        this.output = output;
        this.conversation = conversation;
        this.steps = new ArrayList<>(steps);
    }

    /** Whether a stored call still waits for the user's decision. */
    static boolean awaitingDecision(List<StoredMessage> steps) {
        return steps.stream().anyMatch(s -> s.toolStatus() == ToolStatus.PENDING);
    }

    /** Whether {@link #catchUp} ran a tool call (so the time left may no longer suffice for a model call). */
    boolean ranInCatchUp() {
        return ranInCatchUp;
    }

    /** The rounds of tool calls made so far. */
    int round() {
        return round;
    }

    /** The tool calls of the turn so far. */
    int calls() {
        return steps.size();
    }

    /**
     * Brings a resumed or handed-on turn up to date: runs approved calls (while {@code timeForTool} says a call may
     * start), reports denied ones, marks calls a dead worker left running as unknown, and rebuilds the conversation's
     * tool rounds. @return false when approved calls are left for the next invocation (the run must be handed on)
     */
    boolean catchUp(BooleanSupplier timeForTool) {
        if (steps.isEmpty()) {
            return true;
        }
        // only the newest round can hold calls decided since the pause; earlier denials were reported before
        int lastRound = steps.stream().mapToInt(s -> s.tool().round()).max().orElse(0);
        for (int i = 0; i < steps.size(); i++) {
            StoredMessage step = steps.get(i);
            if (step.toolStatus() == ToolStatus.APPROVED && ranInCatchUp && !timeForTool.getAsBoolean()) {
                return false; // at least one call ran in this invocation: the rest run in the next
            }
            StoredMessage settled = switch (step.toolStatus()) {
                case APPROVED -> runClaimed(step, ToolStatus.APPROVED);
                case RUNNING -> transition(step.withStatus(ToolStatus.FAILED, UNKNOWN_RESULT),
                        ToolStatus.RUNNING);
                default -> step;
            };
            ranInCatchUp |= step.toolStatus() == ToolStatus.APPROVED;
            if (settled != step) {
                steps.set(i, settled);
                report(settled);
            } else if (step.toolStatus() == ToolStatus.DENIED && step.tool().round() == lastRound) {
                report(step);
            }
        }
        round = TurnHistory.addToolRounds(conversation, steps);
        return true;
    }

    /** How a round of tool calls ended: go on with the model, pause for the user's decision, or hand the run on. */
    enum Round { GO_ON, PAUSE, HAND_OFF }

    /**
     * Stores and handles one round of tool calls: calls needing approval are stored pending and announced; the others
     * run now, each while {@code timeForTool} says one may start; once it says no, the round's remaining calls are
     * stored approved, so the next invocation runs them (once: an approved call is claimed before it runs).
     * @param roundText what the model said before the calls
     */
    Round run(AiMessage ai, String roundText, BooleanSupplier timeForTool) {
        List<ToolExecutionRequest> requests = new ArrayList<>();
        List<StoredMessage> stored = new ArrayList<>();
        int index = 0;
        for (ToolExecutionRequest r : ai.toolExecutionRequests()) {
            int step = ToolCall.step(round, index++);
            String id = r.id() != null && CLIENT_ID.matcher(r.id()).matches() ? r.id() : "call-" + step;
            String arguments = r.arguments() == null || r.arguments().isBlank() ? "{}" : r.arguments();
            boolean approval = tools.find(r.name()).isPresent() && tools.needsApproval(r.name());
            StoredMessage call = StoredMessage.toolCall(request.userId(), request.sessionId(), request.turnId(), "",
                    clock.millis(), approval ? ToolStatus.PENDING : ToolStatus.RUNNING, new ToolCall(step, id, r.name(), arguments, index == 1 ? roundText : null, output.seq()));
            if (!messages.putIfAbsent(call)) {
                throw new TurnFailedException("tool call " + step + " was stored by a concurrent delivery", null);
            }
            requests.add(ToolExecutionRequest.builder().id(id).name(r.name()).arguments(arguments).build());
            stored.add(call);
        }
        conversation.add(roundText.isEmpty() ? AiMessage.from(requests) : AiMessage.from(roundText, requests));
        boolean pause = false;
        boolean deferred = false;
        for (StoredMessage step : stored) {
            ToolCall call = step.tool();
            LOG.info("tool call: {} ({})", call.name(), step.status());
            if (step.toolStatus() == ToolStatus.PENDING) {
                output.send(new ServerEvent.ApprovalRequired(request.sessionId(), request.turnId(),
                        call.toolCallId(), call.name(), call.arguments()));
                pause = true;
                steps.add(step);
                continue;
            }
            output.send(new ServerEvent.ToolCallEvent(request.sessionId(), request.turnId(),
                    call.toolCallId(), call.name(), call.arguments()));
            deferred = deferred || !timeForTool.getAsBoolean();
            if (deferred) {
                steps.add(transition(step.withStatus(ToolStatus.APPROVED, ""), ToolStatus.RUNNING));
                continue;
            }
            StoredMessage done = runClaimed(step, null);
            report(done);
            steps.add(done);
            conversation.add(ToolExecutionResultMessage.from(call.toolCallId(), call.name(), done.text()));
        }
        round++;
        return pause ? Round.PAUSE : deferred ? Round.HAND_OFF : Round.GO_ON;
    }

    /**
     * Runs a tool call. An approved call is first claimed (approved → running) so it runs once even when deliveries
     * race; {@code claimFrom} null means the call was stored as running by this worker.
     */
    private StoredMessage runClaimed(StoredMessage step, ToolStatus claimFrom) {
        if (claimFrom != null) {
            StoredMessage running = step.withStatus(ToolStatus.RUNNING, "");
            if (!messages.transition(running, claimFrom)) {
                throw new TurnFailedException("tool call " + step.tool().step() + " was claimed by another delivery",
                        null);
            }
            step = running;
        }
        ToolStatus status;
        String result;
        Optional<AgentTool> tool = tools.find(step.tool().name());
        if (tool.isEmpty()) {
            status = ToolStatus.FAILED;
            result = "No tool named '" + step.tool().name() + "' is available.";
        } else {
            try {
                result = tool.get().execute(new ToolContext(request.userId(), request.sessionId(), request.turnId()),
                        step.tool().arguments());
                status = ToolStatus.DONE;
            } catch (ToolException e) {
                status = ToolStatus.FAILED;
                result = "Error: " + e.getMessage();
            } catch (RuntimeException e) {
                LOG.warn("tool {} failed: {}", step.tool().name(), e.getClass().getSimpleName());
                status = ToolStatus.FAILED;
                result = "Error: the tool failed (" + e.getClass().getSimpleName() + ")";
            }
        }
        return transition(step.withStatus(status, cap(Objects.requireNonNullElse(result, ""))), ToolStatus.RUNNING);
    }

    private StoredMessage transition(StoredMessage next, ToolStatus expected) {
        if (!messages.transition(next, expected)) {
            throw new TurnFailedException("tool call " + next.tool().step() + " changed under this delivery", null);
        }
        return next;
    }

    private void report(StoredMessage step) {
        output.send(new ServerEvent.ToolResult(request.sessionId(), request.turnId(), step.tool().toolCallId(),
                step.tool().name(), step.status(), step.text()));
    }

    private static String cap(String result) {
        return result.length() <= MAX_TOOL_RESULT_CHARS ? result
                : result.substring(0, result.offsetByCodePoints(0,
                        result.codePointCount(0, MAX_TOOL_RESULT_CHARS - 1))) + "…";
    }
}
