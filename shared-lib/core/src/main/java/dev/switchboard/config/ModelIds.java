package dev.switchboard.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The model allow-list as the environment names it, before any client is built. {@code MODELS} lists
 * {@code provider:name} ids, comma-separated; without it the single model of {@code MODEL_PROVIDER} (offline, or
 * openai with {@code OPENAI_MODEL}) is the list. {@code DEFAULT_MODEL} names the default (else the first).
 */
public record ModelIds(List<String> ids, String defaultId) {
    /** The providers a model id may name. */
    public static final List<String> PROVIDERS = List.of("offline", "openai", "ollama", "bedrock", "bench");
    /** The offline model's name (it answers with an echo and says it is offline). */
    public static final String OFFLINE_NAME = "switchboard-offline-echo";
    public static final String OFFLINE_ID = "offline:" + OFFLINE_NAME;

    public ModelIds {
        ids = List.copyOf(ids);
        if (ids.isEmpty()) {
            throw new IllegalStateException(Setting.MODELS.name() + " lists no model");
        }
        for (String id : ids) {
            provider(id);
        }
    }

    public static ModelIds fromEnv(Env env) {
        List<String> ids = new ArrayList<>();
        String list = env.text(Setting.MODELS);
        if (list == null) {
            String provider = env.text(Setting.MODEL_PROVIDER);
            ids.add(switch (provider) {
                case "offline" -> OFFLINE_ID;
                case "openai" -> "openai:" + env.require(Setting.OPENAI_MODEL);
                default -> throw new IllegalStateException(
                        Setting.MODEL_PROVIDER.name() + " must be offline or openai, got '" + provider + "'");
            });
        } else {
            for (String id : list.split(",")) {
                if (!id.isBlank()) {
                    ids.add(id.strip());
                }
            }
        }
        return new ModelIds(ids, env.text(Setting.DEFAULT_MODEL));
    }

    /** The default model's id: DEFAULT_MODEL, or the first of the list. */
    public String defaultOrFirst() {
        return defaultId == null ? ids.get(0) : defaultId;
    }

    /** The provider of a {@code provider:name} id; fails naming MODELS when the id is malformed or unknown. */
    public static String provider(String id) {
        int colon = id.indexOf(':');
        if (colon <= 0 || colon == id.length() - 1) {
            throw new IllegalStateException(Setting.MODELS.name() + " entries must be provider:name, got '" + id + "'");
        }
        String provider = id.substring(0, colon);
        if (!PROVIDERS.contains(provider)) {
            throw new IllegalStateException("unknown model provider '" + provider + "' in " + Setting.MODELS.name()
                    + " (known: " + String.join(", ", PROVIDERS) + ")");
        }
        return provider;
    }

    /** The name part of a {@code provider:name} id. */
    public static String name(String id) {
        return id.substring(id.indexOf(':') + 1);
    }
}
