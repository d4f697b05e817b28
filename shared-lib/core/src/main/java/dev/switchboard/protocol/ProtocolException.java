package dev.switchboard.protocol;

/** A client frame that breaks protocol v1; carries the error event to answer with. */
public final class ProtocolException extends RuntimeException {
    private final ErrorCode code;
    private final String action;

    public ProtocolException(ErrorCode code, String message, String action) {
        super(message, null, false, false);
        this.code = code;
        this.action = action;
    }

    public ErrorCode code() {
        return code;
    }

    public ServerEvent.Error toEvent() {
        return new ServerEvent.Error(code.name(), getMessage(), action, null, null, null);
    }
}
