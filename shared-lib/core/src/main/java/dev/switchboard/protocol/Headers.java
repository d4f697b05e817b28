package dev.switchboard.protocol;

import java.util.Locale;
import java.util.Map;

/** HTTP header lookup: names are case-insensitive, and API Gateway passes them as they came. */
public final class Headers {
    private Headers() {}

    /** The value of header {@code name} (lower case) in {@code headers} (may be null), or null. */
    public static String get(Map<String, String> headers, String name) {
        if (headers == null) {
            return null;
        }
        for (Map.Entry<String, String> e : headers.entrySet()) {
            if (e.getKey() != null && e.getKey().toLowerCase(Locale.ROOT).equals(name)) {
                return e.getValue();
            }
        }
        return null;
    }
}
