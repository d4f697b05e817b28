package dev.switchboard.config;

import java.util.Map;
import java.util.Objects;

/**
 * Read-only view of the process environment (or a map that stands in for it in the local stack and tests). Every
 * variable Switchboard reads is declared in {@link Setting}, with its default and range; see README "Configuration".
 */
public final class Env {
    private final Map<String, String> values;
    private final Map<Class<?>, Object> extras;

    public Env(Map<String, String> values) {
        this(values, Map.of());
    }

    private Env(Map<String, String> values, Map<Class<?>, Object> extras) {
        this.values = Map.copyOf(Objects.requireNonNull(values, "values"));
        this.extras = Map.copyOf(extras);
    }

    /**
     * This environment plus an in-process object that a host hands to the composition roots it builds (the local
     * stack's benchmark passes SDK interceptors this way); Lambda's environment never carries one.
     */
    public <T> Env withExtra(Class<T> type, T value) {
        Map<Class<?>, Object> more = new java.util.HashMap<>(extras);
        more.put(type, Objects.requireNonNull(value, "value"));
        return new Env(values, more);
    }

    /** The object of {@code type} given by {@link #withExtra}, if any. */
    public <T> java.util.Optional<T> extra(Class<T> type) {
        return java.util.Optional.ofNullable(type.cast(extras.get(type)));
    }

    public static Env system() {
        return new Env(System.getenv());
    }

    /** A required variable: missing or blank fails at init with the variable's name in the message. */
    public String require(String name) {
        String v = values.get(name);
        if (v == null || v.isBlank()) {
            throw new IllegalStateException("Missing required environment variable " + name
                    + " (see README, section Configuration)");
        }
        return v.trim();
    }

    public String get(String name, String defaultValue) {
        String v = values.get(name);
        return v == null || v.isBlank() ? defaultValue : v.trim();
    }

    public java.util.Optional<String> optional(String name) {
        return java.util.Optional.ofNullable(get(name, null));
    }

    public int getInt(String name, int defaultValue) {
        String v = get(name, null);
        if (v == null) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("Environment variable " + name + " must be an integer, got '" + v + "'");
        }
    }

    /** A required setting: missing or blank fails with the variable's name. */
    public String require(Setting setting) {
        return require(setting.name());
    }

    /** A text setting: its value, else its declared default (null when it has none). */
    public String text(Setting setting) {
        return get(setting.name(), setting.defaultValue());
    }

    /** A setting that may be unset and has no default. */
    public java.util.Optional<String> optional(Setting setting) {
        return optional(setting.name());
    }

    /** A whole-number setting, range-checked against its declaration; unset gives its default. */
    public int integer(Setting setting) {
        return Math.toIntExact(number(setting));
    }

    /** A long setting, range-checked against its declaration; unset gives its default. */
    public long longValue(Setting setting) {
        return number(setting);
    }

    private long number(Setting setting) {
        if (setting.kind() == Setting.Kind.TEXT) {
            throw new IllegalArgumentException(setting + " is not a number");
        }
        String raw = get(setting.name(), setting.defaultValue());
        if (raw == null) {
            throw new IllegalStateException("Missing required environment variable " + setting
                    + " (see README, section Configuration)");
        }
        return setting.parseNumber(raw);
    }

    public Map<String, String> asMap() {
        return values;
    }
}
