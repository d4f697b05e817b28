package dev.switchboard.agent;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The operator's allow-list of models (global tier): every client is built once at init. A session names one by id;
 * a session that names none, or one the operator has since removed, gets the default.
 */
public final class ModelCatalog {
    private final Map<String, ModelChoice> byId = new LinkedHashMap<>();
    private final ModelChoice defaultModel;

    public ModelCatalog(List<ModelChoice> models, String defaultId) {
        if (models.isEmpty()) {
            throw new IllegalStateException("the model allow-list is empty");
        }
        for (ModelChoice m : models) {
            if (byId.putIfAbsent(m.id(), m) != null) {
                throw new IllegalStateException("model '" + m.id() + "' is listed twice");
            }
        }
        this.defaultModel = defaultId == null ? models.get(0) : byId.get(defaultId);
        if (defaultModel == null) {
            throw new IllegalStateException("DEFAULT_MODEL '" + defaultId + "' is not in MODELS " + byId.keySet());
        }
    }

    public static ModelCatalog of(ModelChoice only) {
        return new ModelCatalog(List.of(only), null);
    }

    public List<ModelChoice> all() {
        return List.copyOf(byId.values());
    }

    public ModelChoice defaultModel() {
        return defaultModel;
    }

    public Optional<ModelChoice> find(String id) {
        return Optional.ofNullable(id == null ? null : byId.get(id));
    }

    /** The session's model when it is still allowed, else the default. */
    public ModelChoice forSession(String sessionModel) {
        return find(sessionModel).orElse(defaultModel);
    }
}
