package dev.switchboard.usecase;

import dev.switchboard.domain.Session;
import dev.switchboard.port.MessageStore;
import dev.switchboard.port.SessionStore;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.ServerEvent;
import java.util.Optional;

/** {@code /reset}: clears the session's conversation (its settings stay); a running turn is cancelled first. */
public final class ResetCommand implements SlashCommand {
    private final SessionStore sessions;
    private final MessageStore messages;

    public ResetCommand(SessionStore sessions, MessageStore messages) {
        this.sessions = sessions;
        this.messages = messages;
    }

    public String name() { return "reset"; }

    public String usage() { return "/reset"; }

    public String description() { return "clears this session's conversation (settings stay)"; }

    public ServerEvent run(Invocation in) {
        Optional<Session> session = in.sessionId() == null ? Optional.empty() : sessions.get(in.userId(), in.sessionId());
        if (session.isEmpty()) {
            return new ServerEvent.Error(ErrorCode.SESSION_NOT_FOUND.name(), "/reset needs an existing session",
                    "sendMessage", in.sessionId(), null, null);
        }
        if (session.get().lastTurnId() != null) {
            sessions.cancelUpTo(in.userId(), in.sessionId(), session.get().lastTurnId());
        }
        int deleted = messages.deleteSession(in.userId(), in.sessionId());
        return in.reply(name(), "Conversation cleared (" + deleted + " messages).");
    }
}
