package dev.switchboard.turn;

/**
 * Another live run holds the turn's session (a delivery that came back while its first delivery still runs): this
 * delivery neither runs the turn nor counts as its failure; the queue delivers it again later.
 */
public final class TurnHeldException extends RuntimeException {
    public TurnHeldException(String message) {
        super(message);
    }
}
