package dev.switchboard.usecase;

import dev.switchboard.domain.Hashes;
import dev.switchboard.port.InvalidCursorException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * The opaque cursors of exportSession and searchMessages: a kind, a binding (a hash of what the cursor was issued
 * for: user and session and format, or user and query) and a position, '|'-separated and base64url-encoded. A cursor
 * of another kind or binding, or one this server could not have written, is {@link InvalidCursorException}
 * (INVALID_FIELD). It is not a secret: it names a position in the caller's own data only, which is read under the
 * caller's user id whatever the cursor says.
 */
final class BoundCursor {
    private BoundCursor() {}

    /** The binding of a cursor to {@code parts} (user id first). */
    static String binding(String... parts) {
        return Hashes.sha256Hex(String.join("\u0000", parts), 12);
    }

    static String encode(String kind, String binding, String... position) {
        StringBuilder s = new StringBuilder(kind).append('|').append(binding);
        for (String p : position) {
            s.append('|').append(p);
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The position fields of {@code cursor}, checked against its kind, binding and field count. */
    static List<String> decode(String cursor, String kind, String binding, int fields) {
        String plain;
        try {
            plain = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new InvalidCursorException();
        }
        String[] parts = plain.split("\\|", -1);
        if (parts.length != fields + 2 || !parts[0].equals(kind) || !parts[1].equals(binding)) {
            throw new InvalidCursorException();
        }
        return Arrays.asList(parts).subList(2, parts.length);
    }

    /** A non-negative integer field of a cursor, at most {@code max}. */
    static int number(String field, int max) {
        if (field.isEmpty() || field.length() > 9 || !field.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new InvalidCursorException();
        }
        int v = Integer.parseInt(field);
        if (v > max) {
            throw new InvalidCursorException();
        }
        return v;
    }
}
