package dev.switchboard.usecase;

import dev.switchboard.protocol.ServerEvent;

/**
 * A command a user types as a message starting with {@code /}: handled by the message function without the model and
 * without storing anything in the session's history. New commands plug into {@link SlashCommands}.
 */
public interface SlashCommand {
    /** The word after the slash, lower case: {@code help} for {@code /help}. */
    String name();

    /** One line: how to type it, e.g. {@code /model [id]}. */
    String usage();

    /** One line: what it does. */
    String description();

    /** Runs the command; a refusal is an {@code error} event, anything else a {@code commandResult}. */
    ServerEvent run(Invocation invocation);

    /** Who typed the command, in which session (null when the message started no session yet), and what followed it. */
    record Invocation(String userId, String sessionId, String args) {
        public ServerEvent.CommandResult reply(String command, String text) {
            return new ServerEvent.CommandResult(sessionId, command, text);
        }
    }
}
