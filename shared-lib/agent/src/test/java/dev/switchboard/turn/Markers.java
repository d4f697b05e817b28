package dev.switchboard.turn;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Each simulated user of {@link IsolationPropertyTest} writes a marker of its own ({@code «u7»}) into every text it
 * sends; any text that reaches a user, a prompt or a store can then be traced back to the users it came from.
 */
final class Markers {
    private static final Pattern MARKER = Pattern.compile("«([A-Za-z0-9._-]{1,64})»");

    private Markers() {}

    static String of(String userId) {
        return "«" + userId + "»";
    }

    /** The users whose markers occur in {@code text}, sorted. */
    static Set<String> usersIn(String text) {
        Set<String> users = new TreeSet<>();
        if (text != null) {
            Matcher m = MARKER.matcher(text);
            while (m.find()) {
                users.add(m.group(1));
            }
        }
        return users;
    }
}
