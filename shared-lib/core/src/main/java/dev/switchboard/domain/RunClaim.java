package dev.switchboard.domain;

/**
 * The outcome of a worker claiming a session's run for one turn (the in-progress marker of an at-least-once queue).
 * {@code CLAIMED}: this delivery runs the turn as run number {@code attempt} (increasing per session);
 * {@code restarted} is true when an earlier run of the same turn started and never finished (its worker died or
 * failed), so clients must drop what it streamed. {@code HELD}: another live run holds the session until
 * {@code heldUntil} (epoch ms; a dead worker's claim lapses then: it is bounded by that worker's remaining time).
 * {@code GONE}: the session does not exist.
 */
public record RunClaim(Status status, Session session, long attempt, boolean restarted, long heldUntil) {
    public enum Status { CLAIMED, HELD, GONE }

    public static RunClaim claimed(Session session, long attempt, boolean restarted) {
        return new RunClaim(Status.CLAIMED, session, attempt, restarted, 0);
    }

    public static RunClaim held(long until) {
        return new RunClaim(Status.HELD, null, 0, false, until);
    }

    public static RunClaim gone() {
        return new RunClaim(Status.GONE, null, 0, false, 0);
    }
}
