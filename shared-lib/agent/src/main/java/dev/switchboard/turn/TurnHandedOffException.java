package dev.switchboard.turn;

/**
 * The run reached its invocation's deadline while the model streamed: its checkpoint is saved and its run claim
 * released; the queue record is to be made visible again at once (with the rest of its group) so the next invocation
 * continues the answer. Not a failure: it does not count towards the turn's give-up.
 */
public final class TurnHandedOffException extends RuntimeException {
    public TurnHandedOffException(String message) {
        super(message, null, false, false);
    }
}
