package dev.switchboard.domain;

/**
 * Where a stored message stands among the alternatives of a session (issue 16: regenerate and editMessage).
 * {@code answerOf}: on the user message of a regenerated turn (a hidden copy of the question it answers again), the
 * turn whose user message it answers; {@code edits}: on the user message of an edit, the turn whose message it
 * replaces; {@code superseded}: the message was replaced by a later regenerate or edit and is kept as an alternative.
 */
public record Branch(String answerOf, String edits, boolean superseded) {
    public static final Branch NONE = new Branch(null, null, false);

    public static Branch answerOf(String turnId) {
        return new Branch(turnId, null, false);
    }

    public static Branch edits(String turnId) {
        return new Branch(null, turnId, false);
    }

    /** The turn whose branch this turn replaces (regenerate or edit), or null for an ordinary turn. */
    public String replaces() {
        return answerOf != null ? answerOf : edits;
    }

    public Branch asSuperseded() {
        return new Branch(answerOf, edits, true);
    }
}
