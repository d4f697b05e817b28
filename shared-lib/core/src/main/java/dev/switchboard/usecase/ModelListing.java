package dev.switchboard.usecase;

import dev.switchboard.config.Setting;
import dev.switchboard.config.ModelIds;
import dev.switchboard.protocol.ServerEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * The allowed model ids as clients see them, and the default, without building any client: the message function
 * validates session settings with it, the worker builds the clients (agent's {@code ChatModels}).
 */
public record ModelListing(List<ServerEvent.ModelInfo> models, String defaultModel) {
    public ModelListing {
        if (models.stream().map(ServerEvent.ModelInfo::id).distinct().count() != models.size()) {
            throw new IllegalStateException(Setting.MODELS.name() + " lists a model twice");
        }
        if (models.stream().noneMatch(m -> m.id().equals(defaultModel))) {
            throw new IllegalStateException("DEFAULT_MODEL '" + defaultModel + "' is not in MODELS");
        }
    }

    public static ModelListing of(ModelIds ids) {
        List<ServerEvent.ModelInfo> infos = new ArrayList<>();
        for (String id : ids.ids()) {
            String provider = ModelIds.provider(id);
            infos.add(new ServerEvent.ModelInfo(id, provider, ModelIds.name(id),
                    provider.equals("offline") || provider.equals("bench")));
        }
        return new ModelListing(infos, ids.defaultOrFirst());
    }

    public boolean allows(String id) {
        return models.stream().anyMatch(m -> m.id().equals(id));
    }

    public static ModelListing offline() {
        return of(new ModelIds(List.of(ModelIds.OFFLINE_ID), null));
    }
}
