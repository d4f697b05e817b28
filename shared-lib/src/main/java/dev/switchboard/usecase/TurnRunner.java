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
     * SnapStart priming: builds an agent (loading langchain4j's AI-service machinery and the model client's classes)
     * and writes each streamed event type once, without calling the model or any AWS service.
     */
    public void prime() {
        agents.create("priming", List.of());
        codec.write(new ServerEvent.Delta("priming", "priming", 0, "priming"));
        codec.write(new ServerEvent.Done("priming", "priming", 1, agents.model().name(), agents.model().offline(),
                "STOP", new ServerEvent.Usage(0, 0, 0), new ServerEvent.Timings(0, 0, 0)));
        codec.write(ServerEvent.Error.of(ErrorCode.TURN_FAILED, "priming"));
    }

    /** Deliveries after which a failed turn is given up (the queue's maxReceiveCount). */
    public int maxReceiveCount() {
        return settings.maxReceiveCount();
    }

    /** Kept back from the invocation's remaining time for storing the answer and sending done. */
    static final long RESERVE_MILLIS = 5_000;
    /** Below this much time left in the invocation a turn is not started (the queue redelivers it). */
    static final long MIN_MILLIS_TO_START = RESERVE_MILLIS + 1_000;

    /**
     * @param receiveCount    how often the queue has delivered this turn (1 on the first delivery)
     * @param remainingMillis time left in this invocation; the model call is abandoned before it runs out
     * @throws RuntimeException when the turn failed and should be delivered again; on the last delivery
     *                          ({@code receiveCount >= maxReceiveCount}) the owner is sent {@code TURN_FAILED} first
     */
    public Outcome run(TurnRequest turn, int receiveCount, long remainingMillis) {
        try {
            return answer(turn, remainingMillis);
        } catch (RuntimeException e) {
            if (receiveCount >= settings.maxReceiveCount()) {
                notifyFailed(turn, receiveCount);
            }
            throw e;
        }
    }

    private Outcome answer(TurnRequest turn, long remainingMillis) {
        long started = clock.millis();
        if (remainingMillis < MIN_MILLIS_TO_START) {
            throw new TurnFailedException("only " + remainingMillis + " ms left in this invocation", null);
        }
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
        List<ChatMessage> history = history(recent, turn.turnId());
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
        ChatResponse response;
        try {
            response = stream(turn, userMessage, history, batcher, remainingMillis - RESERVE_MILLIS);
            batcher.finish();
        } catch (RuntimeException e) {
            batcher.close(); // a stream still running must not reach clients after the failure
            throw e;
        }
        String text = response.aiMessage() == null ? "" : Objects.requireNonNullElse(response.aiMessage().text(), "");
        long now = clock.millis();
        boolean stored = messages.putIfAbsent(new ChatMessage(turn.userId(), turn.sessionId(), turn.turnId(),
                Role.ASSISTANT, text, now, model.name()));
        if (!stored) {
            LOG.warn("answer was stored by a concurrent delivery; done not sent twice");
            return Outcome.ALREADY_ANSWERED;
        }
        // The answer is stored: from here on nothing may fail the turn (a retry would find it answered).
        if (!touchSession(turn, now)) {
            return Outcome.TURN_GONE;
        }
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
    }

    /**
     * The earlier turns the model sees: answered turns before this one, oldest first, at most the window. A user
     * message still waiting for its own answer (a turn that raced this one into the queue) is left out.
     */
    private List<ChatMessage> history(List<ChatMessage> recent, String turnId) {
        java.util.Set<String> answered = new java.util.HashSet<>();
        for (ChatMessage m : recent) {
            if (m.role() == Role.ASSISTANT) {
                answered.add(m.turnId());
            }
        }
        List<ChatMessage> history = recent.stream()
                .filter(m -> m.turnId().compareTo(turnId) < 0 && answered.contains(m.turnId()))
                .toList();
        return history.size() <= settings.historyWindow() ? history
                : history.subList(history.size() - settings.historyWindow(), history.size());
    }

    /**
     * Marks the session active. When the session was deleted while the turn ran, the answer just stored would be an
     * orphan: the session's items are deleted again and false is returned (no done is sent).
     */
    private boolean touchSession(TurnRequest turn, long now) {
        try {
            if (sessions.touch(turn.userId(), turn.sessionId(), now)) {
                return true;
            }
            messages.deleteSession(turn.userId(), turn.sessionId());
            LOG.info("session was deleted during the turn; its answer was removed again");
            return false;
        } catch (RuntimeException e) {
            LOG.warn("could not mark the session active: {}", e.getClass().getSimpleName());
            return true;
        }
    }

    /** Best effort: tells the owner's connections that the turn is given up. */
    private void notifyFailed(TurnRequest turn, int receiveCount) {
        try {
            new Broadcaster(connections.listByUser(turn.userId()), gateway, connections, codec)
                    .send(new ServerEvent.Error(ErrorCode.TURN_FAILED.name(),
                            "The answer to this message failed after " + receiveCount + " attempts", "sendMessage",
                            turn.sessionId(), turn.turnId(), turn.clientMessageId()));
        } catch (RuntimeException e) {
            LOG.warn("could not send TURN_FAILED: {}", e.getClass().getSimpleName());
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
        long budget = Math.max(1, remainingMillis);
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
