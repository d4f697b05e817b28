package dev.switchboard.usecase;

import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.TokenUsage;
import dev.switchboard.agent.AgentFactory;
import dev.switchboard.agent.ModelChoice;
import dev.switchboard.domain.ChatMessage;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.port.Clock;
import dev.switchboard.port.ConnectionGateway;
import dev.switchboard.port.ConnectionStore;
import dev.switchboard.port.MessageStore;
import dev.switchboard.port.SessionStore;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.ProtocolCodec;
import dev.switchboard.protocol.ServerEvent;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's use case for one turn: read the turn and its recent history (one Query), build the agent, stream the
 * answer in batched deltas to the owner's live connections, store the answer with a conditional write, send done.
 * A redelivered turn whose answer is stored already is acknowledged without calling the model.
 */
public final class TurnRunner {
    private static final Logger LOG = LoggerFactory.getLogger(TurnRunner.class);

    public enum Outcome { ANSWERED, ALREADY_ANSWERED, TURN_GONE }

    public record Settings(int historyWindow, long flushMillis, int maxDeltaBytes, int maxReceiveCount) {
        public Settings {
            if (maxDeltaBytes < 64 || maxDeltaBytes > 4096) {
                throw new IllegalStateException("DELTA_MAX_BYTES must be from 64 to 4096, got " + maxDeltaBytes);
            }
            if (historyWindow < 0 || historyWindow > 200) {
                throw new IllegalStateException("HISTORY_WINDOW must be from 0 to 200, got " + historyWindow);
            }
        }
    }

    /** A turn that failed; the queue redelivers it, and after the last receive it goes to the dead-letter queue. */
    public static final class TurnFailedException extends RuntimeException {
        public TurnFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final MessageStore messages;
    private final SessionStore sessions;
    private final ConnectionStore connections;
    private final ConnectionGateway gateway;
    private final AgentFactory agents;
    private final ProtocolCodec codec;
    private final Clock clock;
    private final Settings settings;

    public TurnRunner(MessageStore messages, SessionStore sessions, ConnectionStore connections,
                      ConnectionGateway gateway, AgentFactory agents, ProtocolCodec codec, Clock clock,
                      Settings settings) {
        this.messages = messages;
        this.sessions = sessions;
        this.connections = connections;
        this.gateway = gateway;
        this.agents = agents;
        this.codec = codec;
        this.clock = clock;
        this.settings = settings;
    }

    /**
     * @param receiveCount    how often the queue has delivered this turn (1 on the first delivery)
     * @param remainingMillis time left in this invocation; the model call is abandoned before it runs out
     */
    public Outcome run(TurnRequest turn, int receiveCount, long remainingMillis) {
        long started = clock.millis();
        List<ChatMessage> recent = messages.recentUpTo(turn.userId(), turn.sessionId(), turn.turnId(),
                settings.historyWindow() + 2);
        ChatMessage userMessage = find(recent, turn.turnId(), Role.USER);
        if (userMessage == null) {
            LOG.info("turn not found (session deleted?), acknowledged");
            return Outcome.TURN_GONE;
        }
        if (find(recent, turn.turnId(), Role.ASSISTANT) != null) {
            LOG.info("turn answered already, acknowledged without calling the model");
            return Outcome.ALREADY_ANSWERED;
        }
        List<ChatMessage> history = recent.stream()
                .filter(m -> m.turnId().compareTo(turn.turnId()) < 0)
                .toList();
        if (history.size() > settings.historyWindow()) {
            history = history.subList(history.size() - settings.historyWindow(), history.size());
        }
        Broadcaster out = new Broadcaster(connections.listByUser(turn.userId()), gateway, connections, codec);
        int[] seq = {0};
        long[] firstDeltaAt = {0};
        DeltaBatcher batcher = new DeltaBatcher(settings.flushMillis(), settings.maxDeltaBytes(), clock, text -> {
            if (seq[0] == 0) {
                firstDeltaAt[0] = clock.millis();
            }
            out.send(new ServerEvent.Delta(turn.sessionId(), turn.turnId(), seq[0]++, text));
        });
        ModelChoice model = agents.model();
        try {
            ChatResponse response = stream(turn, userMessage, history, batcher, remainingMillis);
            batcher.finish();
            String text = response.aiMessage() == null ? "" : Objects.requireNonNullElse(response.aiMessage().text(), "");
            long now = clock.millis();
            boolean stored = messages.putIfAbsent(new ChatMessage(turn.userId(), turn.sessionId(), turn.turnId(),
                    Role.ASSISTANT, text, now, model.name()));
            if (!stored) {
                LOG.warn("answer was stored by a concurrent delivery; done not sent twice");
                return Outcome.ALREADY_ANSWERED;
            }
            sessions.touch(turn.userId(), turn.sessionId(), now);
            TokenUsage usage = response.tokenUsage();
            out.send(new ServerEvent.Done(turn.sessionId(), turn.turnId(), seq[0], model.name(), model.offline(),
                    response.finishReason() == null ? "STOP" : response.finishReason().name(),
                    new ServerEvent.Usage(count(usage == null ? null : usage.inputTokenCount()),
                            count(usage == null ? null : usage.outputTokenCount()),
                            count(usage == null ? null : usage.totalTokenCount())),
                    new ServerEvent.Timings(Math.max(0, started - turn.enqueuedAt()),
                            firstDeltaAt[0] == 0 ? 0 : firstDeltaAt[0] - started, now - started)));
            LOG.info("turn answered: deltas={} posts={}", seq[0], out.posts());
            return Outcome.ANSWERED;
        } catch (RuntimeException e) {
            batcher.close();
            if (receiveCount >= settings.maxReceiveCount()) {
                out.send(new ServerEvent.Error(ErrorCode.TURN_FAILED.name(),
                        "The answer to this message failed after " + receiveCount + " attempts", "sendMessage",
                        turn.sessionId(), turn.turnId(), turn.clientMessageId()));
            }
            throw e;
        }
    }

    private ChatResponse stream(TurnRequest turn, ChatMessage userMessage, List<ChatMessage> history,
                                DeltaBatcher batcher, long remainingMillis) {
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        agents.create(turn.userId() + "#" + turn.sessionId(), history)
                .chat(userMessage.text())
                .onPartialResponse(batcher::add)
                .onCompleteResponse(done::complete)
                .onError(done::completeExceptionally)
                .start();
        long budget = Math.max(1000, remainingMillis - 5000);
        try {
            return done.get(budget, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new TurnFailedException("model failed: " + e.getCause().getClass().getSimpleName(), e.getCause());
        } catch (TimeoutException e) {
            throw new TurnFailedException("model did not finish within " + budget + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TurnFailedException("interrupted", e);
        }
    }

    private static ChatMessage find(List<ChatMessage> messages, String turnId, Role role) {
        for (ChatMessage m : messages) {
            if (m.turnId().equals(turnId) && m.role() == role) {
                return m;
            }
        }
        return null;
    }

    private static int count(Integer n) {
        return n == null ? 0 : n;
    }
}
