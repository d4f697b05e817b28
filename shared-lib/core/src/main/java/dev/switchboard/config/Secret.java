package dev.switchboard.config;

import dev.switchboard.port.Clock;
import dev.switchboard.port.SecretSource;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A named secret's current value: either a fixed value (the plain environment variable of local development) or one
 * read from a {@link SecretSource}, read when this is made (so a missing or unreadable secret fails at init), read
 * again when it is older than its maximum age and by {@link #refresh()} (after a SnapStart restore), so a rotated
 * value is picked up. When a later read fails the last value stays in use and a use at least 5 s later tries again
 * (a warning names the secret, never its value). {@link #toString()} names the secret and never shows the value.
 */
public final class Secret {
    private static final Logger LOG = LoggerFactory.getLogger(Secret.class);
    /** After a failed re-read, the next attempt waits this long (or the maximum age, if shorter). */
    static final long RETRY_AFTER_MILLIS = 5_000;

    private final String name;
    /** Whether the value comes from a source (else it is fixed and never read again). */
    private final boolean managed;
    private final SecretSource source;
    private final long maxAgeMillis;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private String value;
    private long readAtMillis;

    private Secret(String name, boolean managed, SecretSource source, long maxAgeMillis, Clock clock, String value,
                   long readAtMillis) {
        this.name = name;
        this.managed = managed;
        this.source = source;
        this.maxAgeMillis = maxAgeMillis;
        this.clock = clock;
        this.value = value;
        this.readAtMillis = readAtMillis;
    }

    /** A value that never changes (the plain environment variable), named {@code name} in messages. */
    public static Secret fixed(String name, String value) {
        Objects.requireNonNull(value, name);
        return new Secret(name, false, id -> value, Long.MAX_VALUE, () -> 0, value, 0);
    }

    /**
     * The secret {@code secretId} of {@code source}, read now (a failure propagates: init fails naming it) and again
     * once it is older than {@code maxAgeSeconds}.
     */
    public static Secret managed(String secretId, SecretSource source, long maxAgeSeconds, Clock clock) {
        long now = clock.millis();
        String first = source.read(secretId);
        LOG.info("secret {} read", secretId);
        return new Secret(secretId, true, source, Math.multiplyExact(maxAgeSeconds, 1000L), clock, first, now);
    }

    /** Where the value comes from: the secret's ARN, or the plain variable's name. */
    public String name() {
        return name;
    }

    /** The current value: read again first when it is older than the maximum age. */
    public String value() {
        lock.lock();
        try {
            if (managed && clock.millis() - readAtMillis >= maxAgeMillis) {
                reread("older than " + maxAgeMillis / 1000 + " s");
            }
            return value;
        } finally {
            lock.unlock();
        }
    }

    /** Reads the value again now (after a SnapStart restore: the snapshot's value may have been rotated since). */
    public void refresh() {
        if (!managed) {
            return;
        }
        lock.lock();
        try {
            reread("refresh");
        } finally {
            lock.unlock();
        }
    }

    private void reread(String why) {
        long now = clock.millis();
        try {
            String next = source.read(name);
            boolean changed = !next.equals(value);
            value = next;
            readAtMillis = now;
            LOG.info("secret {} read again ({}): {}", name, why, changed ? "a new value" : "unchanged");
        } catch (RuntimeException e) {
            // due again RETRY_AFTER_MILLIS from now: a throttled or unreachable store is not asked on every use
            readAtMillis = now - maxAgeMillis + Math.min(RETRY_AFTER_MILLIS, maxAgeMillis);
            LOG.warn("secret {} could not be read again ({}); the last value stays in use, next try in {} ms: {}",
                    name, why, Math.min(RETRY_AFTER_MILLIS, maxAgeMillis), e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "Secret[" + name + "]";
    }
}
