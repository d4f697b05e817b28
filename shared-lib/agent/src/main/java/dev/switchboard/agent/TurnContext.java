package dev.switchboard.agent;

import dev.switchboard.protocol.ServerEvent;
import java.util.List;

/**
 * What a turn is given about its user besides the conversation: the data block (memories and knowledge-base excerpts,
 * labelled as data, never instructions), the sources it cites and how many memories it holds.
 */
public record TurnContext(String dataBlock, List<ServerEvent.Source> sources, int memories) {
    public static final TurnContext EMPTY = new TurnContext(null, List.of(), 0);

    /** Finds a user's context for a message; looks only at that user's memories and documents. */
    @FunctionalInterface
    public interface Source {
        TurnContext forTurn(String userId, String message);

        /**
         * {@link #forTurn(String, String)} for a caller that has read the user's knowledge version already (with the
         * day's tokens, in one request: {@code TurnStanding}), so the source need not read it again.
         */
        default TurnContext forTurn(String userId, String message, long knowledgeVersion) {
            return forTurn(userId, message);
        }

        Source NONE = (userId, message) -> EMPTY;
    }
}
