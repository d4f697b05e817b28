package dev.switchboard.config;

import dev.switchboard.port.Clock;
import dev.switchboard.port.SecretSource;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The secrets of one function, resolved from its environment. For each secret there are two variables: its ARN (for
 * example JWT_SECRET_ARN) and its plain value (JWT_SECRET). The ARN wins: when it is set the value is read from the
 * {@link SecretSource} (Secrets Manager) at init, again after {@link #refresh()} (SnapStart restore) and when older
 * than SECRET_MAX_AGE_SECONDS; the plain variable is then not allowed (init fails naming both). Without an ARN the
 * plain variable (or its default) is the value: the local stack's development path. The source is built only when
 * an ARN is set, on the first secret that needs it; each secret is resolved once.
 */
public final class Secrets {
    /** Each secret setting and the setting of its ARN. */
    private static final Map<Setting, Setting> ARNS = Map.of(
            Setting.JWT_SECRET, Setting.JWT_SECRET_ARN,
            Setting.OPENAI_API_KEY, Setting.OPENAI_API_KEY_SECRET_ARN);

    private final Env env;
    private final Supplier<SecretSource> sources;
    private final Clock clock;
    /** The secrets resolved so far, each once: asking again gives the same {@link Secret}. */
    private final Map<Setting, Secret> resolved = new EnumMap<>(Setting.class);
    private final ReentrantLock lock = new ReentrantLock();
    private SecretSource source;

    /** {@code sources} builds the source (the Secrets Manager client) the first time an ARN is set; at most once. */
    public Secrets(Env env, Supplier<SecretSource> sources, Clock clock) {
        this.env = env;
        this.sources = sources;
        this.clock = clock;
    }

    /** Only the plain variables: a set ARN fails naming it (for hosts that build no Secrets Manager client). */
    public static Secrets plain(Env env) {
        return new Secrets(env, () -> id -> {
            throw new IllegalStateException("no secret store is configured to read " + id);
        }, Clock.SYSTEM);
    }

    /** Nothing to resolve: for handlers built from their collaborators, whose {@link #refresh()} then does nothing. */
    public static Secrets none() {
        return plain(new Env(Map.of()));
    }

    /**
     * The secret of {@code setting} (JWT_SECRET or OPENAI_API_KEY): from its ARN variable when that is set (read now:
     * a missing or unreadable secret fails here, naming the ARN), else the plain variable or its default; neither
     * and no default fails naming both.
     */
    public Secret get(Setting setting) {
        Setting arnSetting = ARNS.get(setting);
        if (arnSetting == null) {
            throw new IllegalArgumentException(setting + " is not a secret setting");
        }
        lock.lock();
        try {
            Secret known = resolved.get(setting);
            if (known == null) {
                known = resolve(setting, arnSetting);
                resolved.put(setting, known);
            }
            return known;
        } finally {
            lock.unlock();
        }
    }

    private Secret resolve(Setting setting, Setting arnSetting) {
        var arn = env.optional(arnSetting);
        if (arn.isEmpty()) {
            String value = env.text(setting);
            if (value == null) {
                throw new IllegalStateException("Missing required environment variable " + arnSetting + " or "
                        + setting + " (see README, section Configuration)");
            }
            return Secret.fixed(setting.name(), value);
        }
        if (env.optional(setting).isPresent()) {
            throw new IllegalStateException(arnSetting + " and " + setting + " are both set: set only "
                    + arnSetting + " (the value is read from Secrets Manager)");
        }
        if (source == null) {
            source = sources.get();
        }
        return Secret.managed(arn.get(), source, env.integer(Setting.SECRET_MAX_AGE_SECONDS), clock);
    }

    /** Reads every secret of a source again (after a SnapStart restore); fixed values stay as they are. */
    public void refresh() {
        List<Secret> all;
        lock.lock();
        try {
            all = List.copyOf(resolved.values());
        } finally {
            lock.unlock();
        }
        all.forEach(Secret::refresh);
    }
}
