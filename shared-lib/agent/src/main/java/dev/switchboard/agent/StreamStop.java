package dev.switchboard.agent;

import dev.langchain4j.model.chat.response.StreamingHandle;

/** The handle through which a caller closes an in-process model's stream (the offline and bench models). */
final class StreamStop implements StreamingHandle {
    private volatile boolean cancelled;

    @Override
    public void cancel() {
        cancelled = true;
    }

    @Override
    public boolean isCancelled() {
        return cancelled;
    }
}
