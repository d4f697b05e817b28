package dev.switchboard.usecase;

import dev.switchboard.domain.Session;
import dev.switchboard.port.SessionStore;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.ServerEvent;
import java.util.Optional;

/** {@code /model}: shows the allowed models and the session's; {@code /model <id>} switches the session to one. */
public final class ModelCommand implements SlashCommand {
    private final SessionStore sessions;
    private final ModelListing models;

    public ModelCommand(SessionStore sessions, ModelListing models) {
        this.sessions = sessions;
        this.models = models;
    }

    public String name() { return "model"; }

    public String usage() { return "/model [id]"; }

    public String description() { return "shows the allowed models, or switches this session to one"; }

    public ServerEvent run(Invocation in) {
        Optional<Session> session = in.sessionId() == null ? Optional.empty() : sessions.get(in.userId(), in.sessionId());
        if (in.args().isEmpty()) {
            String current = session.map(Session::model).filter(models::allows).orElse(models.defaultModel());
            StringBuilder b = new StringBuilder("Model of this session: ").append(current).append("\nAllowed:");
            for (ServerEvent.ModelInfo m : models.models()) {
                b.append("\n").append(m.id()).append(m.id().equals(models.defaultModel()) ? " (default)" : "");
            }
            return in.reply(name(), b.toString());
        }
        if (!models.allows(in.args())) {
            return new ServerEvent.Error(ErrorCode.MODEL_NOT_ALLOWED.name(), "Model '" + abbreviate(in.args())
                    + "' is not allowed; /model lists the allowed ones", "sendMessage", in.sessionId(), null, null);
        }
        if (session.isEmpty()) {
            return new ServerEvent.Error(ErrorCode.SESSION_NOT_FOUND.name(), "/model <id> needs an existing session",
                    "sendMessage", in.sessionId(), null, null);
        }
        sessions.update(in.userId(), in.sessionId(), null, in.args(), null, null);
        return in.reply(name(), "This session now uses " + in.args() + ".");
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 60) + "…";
    }
}
