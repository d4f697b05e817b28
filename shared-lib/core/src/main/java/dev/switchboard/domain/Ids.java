package dev.switchboard.domain;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Locale;
import java.util.UUID;

/**
 * Identifier factory. Its random source is renewed after a SnapStart restore ({@link #reseed()}), so restored copies
 * of one snapshot never produce the same ids.
 */
public final class Ids {
    private volatile SecureRandom random;

    public Ids() {
        this(new SecureRandom());
    }

    /** Draws from {@code random} until the first {@link #reseed()}. */
    public Ids(SecureRandom random) {
        this.random = random;
    }

    /** Turn ids sort by creation time: 13-digit epoch millis, then 8 random hex digits. */
    public String newTurnId(long nowMillis) {
        return String.format(Locale.ROOT, "%013d-%08x", nowMillis, random.nextInt());
    }

    /**
     * The creation time a turn id carries (its first 13 digits), or -1 for a string that is no turn id.
     */
    public static long millisOf(String turnId) {
        if (turnId == null || turnId.length() < 13) {
            return -1;
        }
        try {
            return Long.parseLong(turnId.substring(0, 13));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** A new session's id is derived from its first message, so a retried first message lands in the same session. */
    public static String sessionIdFor(String userId, String clientMessageId) {
        UUID u = UUID.nameUUIDFromBytes((userId + "\n" + clientMessageId).getBytes(StandardCharsets.UTF_8));
        return "s-" + u.toString().replace("-", "");
    }

    /** A fresh random source: after a SnapStart restore, so that copies of one snapshot part ways. */
    public void reseed() {
        random = new SecureRandom();
    }
}
