package dev.switchboard.turn;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.port.MessageStore;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** What the model is told of the past: the session's earlier turns, and the tool rounds of this turn so far. */
final class TurnHistory {
    private final MessageStore messages;
    private final int window;

    /** @param window how many earlier messages the model sees (HISTORY_WINDOW) */
    TurnHistory(MessageStore messages, int window) {
        this.messages = messages;
        this.window = window;
    }

    /**
     * A turn that regenerates or edits an earlier one marks the branch it replaces superseded (again: the ingress
     * marked what was stored when it accepted the turn; an answer that was still running then is stored by now).
     */
    void supersedeReplaced(StoredMessage question) {
        String replaces = question.branch().replaces();
        if (replaces != null) {
            messages.supersede(question.userId(), question.sessionId(), replaces, question.turnId(),
                    question.branch().answerOf() != null);
        }
    }

    /** The turn's messages and those before it: enough for the window and the turn's own question and answer. */
    List<StoredMessage> recent(TurnRequest request) {
        return messages.recentUpTo(request.userId(), request.sessionId(), request.turnId(), window + 2);
    }

    /**
     * The earlier turns the model sees: answered turns before this one, oldest first, at most the window. A user
     * message still waiting for its own answer (a turn that raced this one into the queue) is left out, and so is an
     * answer cancelled before it said anything, and every superseded message (a branch replaced by a regenerate or
     * an edit). A turn that regenerates or edits an earlier one sees only the turns before that one: never the
     * branch it replaces.
     */
    List<StoredMessage> earlierTurns(List<StoredMessage> recent, StoredMessage question) {
        String before = question.branch().replaces() != null ? question.branch().replaces() : question.turnId();
        Set<String> answered = new HashSet<>();
        for (StoredMessage m : recent) {
            if (m.role() == Role.ASSISTANT && !m.text().isEmpty() && !m.branch().superseded()) {
                answered.add(m.turnId());
            }
        }
        List<StoredMessage> history = recent.stream()
                .filter(m -> m.turnId().compareTo(before) < 0 && answered.contains(m.turnId())
                        && !m.branch().superseded())
                .toList();
        return history.size() <= window ? history : history.subList(history.size() - window, history.size());
    }

    /**
     * Adds the turn's settled tool calls to the conversation, a round at a time: the model's message (its text before
     * the calls, and the calls) and then each call's result. @return the number of the next round
     */
    static int addToolRounds(List<ChatMessage> conversation, List<StoredMessage> steps) {
        int currentRound = -1;
        List<ToolExecutionRequest> requests = new ArrayList<>();
        List<ToolExecutionResultMessage> results = new ArrayList<>();
        String roundText = null;
        for (StoredMessage step : steps) {
            if (step.tool().round() != currentRound) {
                addRound(conversation, roundText, requests, results);
                requests = new ArrayList<>();
                results = new ArrayList<>();
                currentRound = step.tool().round();
                roundText = step.tool().roundText();
            }
            requests.add(ToolExecutionRequest.builder().id(step.tool().toolCallId()).name(step.tool().name())
                    .arguments(step.tool().arguments()).build());
            results.add(ToolExecutionResultMessage.from(step.tool().toolCallId(), step.tool().name(), step.text()));
        }
        addRound(conversation, roundText, requests, results);
        return currentRound + 1;
    }

    private static void addRound(List<ChatMessage> conversation, String roundText,
                                 List<ToolExecutionRequest> requests, List<ToolExecutionResultMessage> results) {
        if (requests.isEmpty()) {
            return;
        }
        conversation.add(roundText == null || roundText.isEmpty() ? AiMessage.from(requests)
                : AiMessage.from(roundText, requests));
        conversation.addAll(results);
    }
}
