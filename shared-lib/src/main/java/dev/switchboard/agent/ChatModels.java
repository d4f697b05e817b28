package dev.switchboard.agent;

import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.switchboard.config.Env;
import java.time.Duration;

/** Chooses the model from MODEL_PROVIDER: {@code offline} (default) or {@code openai} (any OpenAI-compatible endpoint). */
public final class ChatModels {
    public static final String OFFLINE_DELAY_MILLIS = "OFFLINE_DELAY_MILLIS";
    public static final String MODEL_TIMEOUT_SECONDS = "MODEL_TIMEOUT_SECONDS";

    private ChatModels() {}

    public static ModelChoice fromEnv(Env env) {
        String provider = env.get(Env.MODEL_PROVIDER, "offline");
        return switch (provider) {
            case "offline" -> new ModelChoice(new OfflineChatModel(env.getInt(OFFLINE_DELAY_MILLIS, 0)),
                    OfflineChatModel.NAME, true);
            case "openai" -> {
                String model = env.require(Env.OPENAI_MODEL);
                yield new ModelChoice(OpenAiStreamingChatModel.builder()
                        .baseUrl(env.get(Env.OPENAI_BASE_URL, "https://api.openai.com/v1"))
                        .apiKey(env.get(Env.OPENAI_API_KEY, "not-needed"))
                        .modelName(model)
                        .timeout(Duration.ofSeconds(env.getInt(MODEL_TIMEOUT_SECONDS, 60)))
                        .build(), model, false);
            }
            default -> throw new IllegalStateException(
                    Env.MODEL_PROVIDER + " must be offline or openai, got '" + provider + "'");
        };
    }
}
