package dev.switchboard.agent;

import dev.switchboard.config.Setting;
import dev.langchain4j.model.ollama.OllamaStreamingChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.switchboard.config.Env;
import dev.switchboard.config.ModelIds;
import dev.switchboard.config.Secret;
import dev.switchboard.config.Secrets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Builds the model allow-list from the environment. {@code MODELS} lists {@code provider:name} ids, comma-separated;
 * providers are {@code offline} (the labelled echo model, no network), {@code openai} (any OpenAI-compatible
 * endpoint at OPENAI_BASE_URL), {@code ollama} (OLLAMA_BASE_URL), {@code bedrock} (a Bedrock model or inference-profile
 * id in AWS_REGION, {@link BedrockModels}; one runtime client serves them all) and {@code bench} (the load benchmark's clock model,
 * {@link BenchChatModel}: BENCH_FIRST_TOKEN_MILLIS, BENCH_TOKENS_PER_SECOND, BENCH_ANSWER_TOKENS). Without MODELS the single model of
 * MODEL_PROVIDER (offline or openai with OPENAI_MODEL) is the list.
 */
public final class ChatModels {

    private ChatModels() {}

    /** The default model of the environment (the first of MODELS, or DEFAULT_MODEL). */
    public static ModelChoice fromEnv(Env env) {
        return catalogFromEnv(env).defaultModel();
    }

    public static ModelCatalog catalogFromEnv(Env env) {
        return catalogFromEnv(env, Secrets.plain(env));
    }

    /**
     * The allow-list, with the OpenAI-compatible API key from {@code secrets} (OPENAI_API_KEY_SECRET_ARN, else
     * OPENAI_API_KEY), resolved only when an {@code openai} model is listed and sent with each request as its
     * current value, so a rotated key applies to the next call.
     */
    public static ModelCatalog catalogFromEnv(Env env, Secrets secrets) {
        List<ModelChoice> models = new ArrayList<>();
        ModelIds ids = ModelIds.fromEnv(env);
        Duration timeout = Duration.ofSeconds(env.integer(Setting.MODEL_TIMEOUT_SECONDS));
        var bedrock = ids.ids().stream().anyMatch(id -> ModelIds.provider(id).equals("bedrock"))
                ? BedrockModels.client(env, timeout) : null;
        for (String id : ids.ids()) {
            models.add(ModelIds.provider(id).equals("bedrock")
                    ? new ModelChoice(id, BedrockModels.model(bedrock, ModelIds.name(id)), ModelIds.name(id), false)
                    : build(env, id, secrets));
        }
        return new ModelCatalog(models, ids.defaultId());
    }

    static ModelChoice build(Env env, String id, Secrets secrets) {
        String provider = ModelIds.provider(id);
        String name = ModelIds.name(id);
        Duration timeout = Duration.ofSeconds(env.integer(Setting.MODEL_TIMEOUT_SECONDS));
        return switch (provider) {
            case "offline" -> {
                if (!name.equals(OfflineChatModel.NAME)) {
                    throw new IllegalStateException("the offline model is called offline:" + OfflineChatModel.NAME);
                }
                yield new ModelChoice(id, new OfflineChatModel(env.integer(Setting.OFFLINE_DELAY_MILLIS)), name, true);
            }
            case "openai" -> new ModelChoice(id, OpenAiStreamingChatModel.builder()
                    .baseUrl(env.text(Setting.OPENAI_BASE_URL))
                    .customHeaders(bearer(secrets.get(Setting.OPENAI_API_KEY)))
                    .modelName(name)
                    .timeout(timeout)
                    .build(), name, false);
            case "ollama" -> new ModelChoice(id, OllamaStreamingChatModel.builder()
                    .baseUrl(env.text(Setting.OLLAMA_BASE_URL))
                    .modelName(name)
                    .timeout(timeout)
                    .build(), name, false);
            case "bench" -> new ModelChoice(id, new BenchChatModel(name,
                    env.integer(Setting.BENCH_FIRST_TOKEN_MILLIS),
                    env.integer(Setting.BENCH_TOKENS_PER_SECOND),
                    env.integer(Setting.BENCH_ANSWER_TOKENS)), name, true);
            default -> throw new IllegalStateException("no client for model provider '" + provider + "'");
        };
    }

    /** The Authorization header with the key's current value, taken for each request. */
    private static Supplier<Map<String, String>> bearer(Secret key) {
        return () -> Map.of("Authorization", "Bearer " + key.value());
    }
}
