package dev.switchboard.domain;

/**
 * A reconnected connection asked for the rest of turn {@code turnId} while it was being answered: the worker
 * streaming it sends {@code connectionId} what it missed after delta {@code lastSeq} of run {@code attempt} and
 * streams on to it.
 */
public record ResumeRequest(String connectionId, String turnId, int lastSeq, Long attempt) {
    /** Compact text form for storage: {@code connectionId|turnId|lastSeq|attempt}. */
    public String encode() {
        return connectionId + "|" + turnId + "|" + lastSeq + "|" + (attempt == null ? "" : attempt);
    }

    /** @return null for malformed input */
    public static ResumeRequest decode(String s) {
        String[] p = s.split("\\|", -1);
        if (p.length != 4) {
            return null;
        }
        try {
            return new ResumeRequest(p[0], p[1], Integer.parseInt(p[2]), p[3].isEmpty() ? null : Long.valueOf(p[3]));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
