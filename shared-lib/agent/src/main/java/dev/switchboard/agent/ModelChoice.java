package dev.switchboard.agent;

import dev.langchain4j.model.chat.StreamingChatModel;

/**
 * One allowed model (global tier): its id as clients name it ({@code provider:name}), its client, its name as
 * reported in {@code done}, and whether it is the offline model.
 */
public record ModelChoice(String id, StreamingChatModel model, String name, boolean offline) {
    public ModelChoice(StreamingChatModel model, String name, boolean offline) {
        this((offline ? "offline:" : "custom:") + name, model, name, offline);
    }

    public String provider() {
        int colon = id.indexOf(':');
        return colon < 0 ? id : id.substring(0, colon);
    }
}
