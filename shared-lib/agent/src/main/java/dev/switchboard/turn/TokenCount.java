package dev.switchboard.turn;

import dev.langchain4j.model.output.TokenUsage;

/** The input and output tokens a turn's model calls used so far. */
record TokenCount(int input, int output) {
    static final TokenCount NONE = new TokenCount(0, 0);

    /** This count and one more call's usage (null: the model reported none). */
    TokenCount plus(TokenUsage usage) {
        if (usage == null) {
            return this;
        }
        return new TokenCount(input + (usage.inputTokenCount() == null ? 0 : usage.inputTokenCount()),
                output + (usage.outputTokenCount() == null ? 0 : usage.outputTokenCount()));
    }

    int total() {
        return input + output;
    }
}
