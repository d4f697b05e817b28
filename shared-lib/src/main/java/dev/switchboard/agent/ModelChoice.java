package dev.switchboard.agent;

import dev.langchain4j.model.chat.StreamingChatModel;

/** The configured model (global tier): its client, its name as reported in {@code done}, and whether it is offline. */
public record ModelChoice(StreamingChatModel model, String name, boolean offline) {}
