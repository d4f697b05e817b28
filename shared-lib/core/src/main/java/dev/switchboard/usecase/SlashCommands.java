package dev.switchboard.usecase;

import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.ServerEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The registry of slash commands; {@code /help} lists every registered command. */
public final class SlashCommands {
    private final Map<String, SlashCommand> byName = new LinkedHashMap<>();

    public SlashCommands(List<SlashCommand> commands) {
        List<SlashCommand> all = new ArrayList<>();
        all.add(new Help());
        all.addAll(commands);
        for (SlashCommand c : all) {
            if (byName.putIfAbsent(c.name(), c) != null) {
                throw new IllegalStateException("slash command /" + c.name() + " is registered twice");
            }
        }
    }

    /** Whether a message is a command: it starts with one '/' ({@code //} escapes a literal slash). */
    public static boolean isCommand(String text) {
        String t = text.stripLeading();
        return t.startsWith("/") && !t.startsWith("//");
    }

    /** The text to send to the model for a message that escaped its leading slash with {@code //}. */
    public static String unescape(String text) {
        String t = text.stripLeading();
        return t.startsWith("//") ? t.substring(1) : text;
    }

    public List<SlashCommand> all() {
        return List.copyOf(byName.values());
    }

    public Optional<SlashCommand> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public ServerEvent handle(String userId, String sessionId, String text) {
        String t = text.strip().substring(1);
        int space = t.indexOf(' ');
        String name = (space < 0 ? t : t.substring(0, space)).toLowerCase(Locale.ROOT);
        String args = space < 0 ? "" : t.substring(space + 1).strip();
        SlashCommand command = byName.get(name);
        if (command == null) {
            return new ServerEvent.Error(ErrorCode.UNKNOWN_COMMAND.name(), "Unknown command '/"
                    + (name.length() > 40 ? name.substring(0, 40) + "…" : name)
                    + "'; /help lists the commands (start with // to send a message beginning with /)",
                    "sendMessage", sessionId, null, null);
        }
        return command.run(new SlashCommand.Invocation(userId, sessionId, args));
    }

    private final class Help implements SlashCommand {
        public String name() { return "help"; }

        public String usage() { return "/help"; }

        public String description() { return "lists the commands"; }

        public ServerEvent run(Invocation invocation) {
            StringBuilder b = new StringBuilder("Commands:");
            for (SlashCommand c : byName.values()) {
                b.append("\n").append(c.usage()).append(" - ").append(c.description());
            }
            return invocation.reply(name(), b.toString());
        }
    }
}
