package dev.switchboard.agent;

import dev.langchain4j.model.ollama.OllamaStreamingChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.switchboard.config.Env;
import dev.switchboard.protocol.ServerEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the model allow-list from the environment. {@code MODELS} lists {@code provider:name} ids, comma-separated;
 * providers are {@code offline} (the labelled echo model, no network), {@code openai} (any OpenAI-compatible
 * endpoint at OPENAI_BASE_URL), {@code ollama} (OLLAMA_BASE_URL) and {@code bench} (the load benchmark's clock model,
 * {@link BenchChatModel}: BENCH_FIRST_TOKEN_MILLIS, BENCH_TOKENS_PER_SECOND, BENCH_ANSWER_TOKENS). Without MODELS the single model of
 * MODEL_PROVIDER (offline or openai with OPENAI_MODEL) is the list.
 */
public final class ChatModels {
    public static final String OFFLINE_DELAY_MILLIS = "OFFLINE_DELAY_MILLIS";
    public static final String MODEL_TIMEOUT_SECONDS = "MODEL_TIMEOUT_SECONDS";
    public static final List<String> PROVIDERS = List.of("offline", "openai", "ollama", "bench");

    private ChatModels() {}

    /** The default model of the environment (the first of MODELS, or DEFAULT_MODEL). */
    public static ModelChoice fromEnv(Env env) {
        return catalogFromEnv(env).defaultModel();
    }

    public static ModelCatalog catalogFromEnv(Env env) {
        List<ModelChoice> models = new ArrayList<>();
        for (String id : ids(env)) {
            models.add(build(env, id));
        }
        return new ModelCatalog(models, env.get(Env.DEFAULT_MODEL, null));
    }

    /**
     * The allow-list without building any client (the message function validates session settings with it). Checks
     * the same things as {@link #catalogFromEnv}: known providers, no duplicates, the default is listed.
     */
    public static ModelListing listingFromEnv(Env env) {
        List<String> ids = ids(env);
        List<ServerEvent.ModelInfo> infos = new ArrayList<>();
        for (String id : ids) {
            int colon = id.indexOf(':');
            if (colon <= 0 || colon == id.length() - 1) {
                throw new IllegalStateException(Env.MODELS + " entries must be provider:name, got '" + id + "'");
            }
            String provider = id.substring(0, colon);
            if (!PROVIDERS.contains(provider)) {
                throw new IllegalStateException("unknown model provider '" + provider + "' in " + Env.MODELS
                        + " (known: " + String.join(", ", PROVIDERS) + ")");
            }
            infos.add(new ServerEvent.ModelInfo(id, provider, id.substring(colon + 1), !provider.equals("openai") && !provider.equals("ollama")));
        }
        return new ModelListing(infos, env.get(Env.DEFAULT_MODEL, ids.get(0)));
    }

    /** The allowed model ids as clients see them, and the default. */
    public record ModelListing(List<ServerEvent.ModelInfo> models, String defaultModel) {
        public ModelListing {
            if (models.stream().map(ServerEvent.ModelInfo::id).distinct().count() != models.size()) {
                throw new IllegalStateException(Env.MODELS + " lists a model twice");
            }
            if (models.stream().noneMatch(m -> m.id().equals(defaultModel))) {
                throw new IllegalStateException("DEFAULT_MODEL '" + defaultModel + "' is not in MODELS");
            }
        }

        public boolean allows(String id) {
            return models.stream().anyMatch(m -> m.id().equals(id));
        }

        public static ModelListing offline() {
            String id = "offline:" + OfflineChatModel.NAME;
            return new ModelListing(List.of(new ServerEvent.ModelInfo(id, "offline", OfflineChatModel.NAME, true)), id);
        }
    }

    private static List<String> ids(Env env) {
        List<String> ids = new ArrayList<>();
        String list = env.get(Env.MODELS, null);
        if (list == null) {
            String provider = env.get(Env.MODEL_PROVIDER, "offline");
            ids.add(switch (provider) {
                case "offline" -> "offline:" + OfflineChatModel.NAME;
                case "openai" -> "openai:" + env.require(Env.OPENAI_MODEL);
                default -> throw new IllegalStateException(
                        Env.MODEL_PROVIDER + " must be offline or openai, got '" + provider + "'");
            });
        } else {
            for (String id : list.split(",")) {
                if (!id.isBlank()) {
                    ids.add(id.strip());
                }
            }
        }
        if (ids.isEmpty()) {
            throw new IllegalStateException(Env.MODELS + " lists no model");
        }
        return ids;
    }

    static ModelChoice build(Env env, String id) {
        int colon = id.indexOf(':');
        if (colon <= 0 || colon == id.length() - 1) {
            throw new IllegalStateException(Env.MODELS + " entries must be provider:name, got '" + id + "'");
        }
        String provider = id.substring(0, colon);
        String name = id.substring(colon + 1);
        Duration timeout = Duration.ofSeconds(env.getInt(MODEL_TIMEOUT_SECONDS, 60));
        return switch (provider) {
            case "offline" -> {
                if (!name.equals(OfflineChatModel.NAME)) {
                    throw new IllegalStateException("the offline model is called offline:" + OfflineChatModel.NAME);
                }
                yield new ModelChoice(id, new OfflineChatModel(env.getInt(OFFLINE_DELAY_MILLIS, 0)), name, true);
            }
            case "openai" -> new ModelChoice(id, OpenAiStreamingChatModel.builder()
                    .baseUrl(env.get(Env.OPENAI_BASE_URL, "https://api.openai.com/v1"))
                    .apiKey(env.get(Env.OPENAI_API_KEY, "not-needed"))
                    .modelName(name)
                    .timeout(timeout)
                    .build(), name, false);
            case "ollama" -> new ModelChoice(id, OllamaStreamingChatModel.builder()
                    .baseUrl(env.get(Env.OLLAMA_BASE_URL, "http://localhost:11434"))
                    .modelName(name)
                    .timeout(timeout)
                    .build(), name, false);
            case "bench" -> new ModelChoice(id, new BenchChatModel(name,
                    env.getInt(BenchChatModel.FIRST_TOKEN_MILLIS, 200),
                    env.getInt(BenchChatModel.TOKENS_PER_SECOND, 50),
                    env.getInt(BenchChatModel.ANSWER_TOKENS, 100)), name, true);
            default -> throw new IllegalStateException("unknown model provider '" + provider + "' in " + Env.MODELS
                    + " (known: " + String.join(", ", PROVIDERS) + ")");
        };
    }
}
