package dev.switchboard.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.model.bedrock.BedrockStreamingChatModel;
import dev.switchboard.config.Env;
import dev.switchboard.config.ModelIds;
import dev.switchboard.usecase.ModelListing;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code bedrock:} ids build langchain4j Bedrock models at init, without a call (BedrockIT streams through them). */
class BedrockModelsTest {
    private static final Env ENV = new Env(Map.of(
            "MODELS", "bedrock:amazon.nova-lite-v1:0,bedrock:eu.anthropic.claude-3-haiku-20240307-v1:0,"
                    + ModelIds.OFFLINE_ID,
            "BEDROCK_ENDPOINT", "http://127.0.0.1:9"));

    @Test
    void everyBedrockIdBecomesABedrockStreamingModelNamedByItsModelOrProfileId() {
        ModelCatalog catalog = ChatModels.catalogFromEnv(ENV);
        assertThat(catalog.all()).hasSize(3);
        ModelChoice nova = catalog.find("bedrock:amazon.nova-lite-v1:0").orElseThrow();
        assertThat(nova.model()).isInstanceOf(BedrockStreamingChatModel.class);
        assertThat(nova.name()).isEqualTo("amazon.nova-lite-v1:0");
        assertThat(nova.offline()).isFalse();
        assertThat(nova.provider()).isEqualTo("bedrock");
        assertThat(catalog.find("bedrock:eu.anthropic.claude-3-haiku-20240307-v1:0").orElseThrow().model())
                .isInstanceOf(BedrockStreamingChatModel.class);
        assertThat(catalog.defaultModel()).isSameAs(nova);
    }

    @Test
    void theMessageFunctionListsBedrockModelsAsRealModels() {
        assertThat(ModelListing.of(ModelIds.fromEnv(ENV)).models())
                .filteredOn(m -> m.provider().equals("bedrock"))
                .hasSize(2)
                .allSatisfy(m -> assertThat(m.offline()).isFalse());
    }
}
