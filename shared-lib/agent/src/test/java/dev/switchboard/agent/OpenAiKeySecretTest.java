package dev.switchboard.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.model.LambdaStreamingResponseHandler;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.switchboard.config.Env;
import dev.switchboard.config.Secrets;
import dev.switchboard.config.Setting;
import dev.switchboard.testing.InMemorySecretSource;
import dev.switchboard.testing.ScriptedOpenAiServer;
import java.util.Map;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The OpenAI-compatible client sends the API key's current value: from Secrets Manager when its ARN is set. */
class OpenAiKeySecretTest {
    private static final String ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:switchboard/openai-Qw12";
    private final ScriptedOpenAiServer server = ScriptedOpenAiServer.start();
    private final InMemorySecretSource store = new InMemorySecretSource().with(ARN, "sk-key-one");
    private final AtomicLong now = new AtomicLong();

    @AfterEach
    void stop() {
        server.close();
    }

    private Env env(Map<String, String> extra) {
        var vars = new java.util.HashMap<>(Map.of(Setting.MODELS.name(), "openai:scripted",
                Setting.OPENAI_BASE_URL.name(), server.baseUrl(), Setting.SECRET_MAX_AGE_SECONDS.name(), "60"));
        vars.putAll(extra);
        return new Env(vars);
    }

    /** One streamed call to its end (langchain4j's blocking helper); it must not fail. */
    private static void ask(StreamingChatModel model) throws Exception {
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        LambdaStreamingResponseHandler.onPartialResponseAndErrorBlocking(model, "hello", partial -> { }, errors::add);
        assertThat(errors).isEmpty();
    }

    @Test
    void theKeyFromItsArnIsSentAndARotatedKeyAfterARefreshOrItsMaximumAge() throws Exception {
        Env env = env(Map.of(Setting.OPENAI_API_KEY_SECRET_ARN.name(), ARN));
        Secrets secrets = new Secrets(env, () -> store, now::get);
        StreamingChatModel model = ChatModels.catalogFromEnv(env, secrets).defaultModel().model();
        assertThat(store.reads(ARN)).as("read when the catalog is built (init)").isEqualTo(1);
        ask(model);
        store.put(ARN, "sk-key-two");
        secrets.refresh();
        ask(model);
        store.put(ARN, "sk-key-three");
        now.addAndGet(60_000);
        ask(model);
        assertThat(server.authorizations())
                .containsExactly("Bearer sk-key-one", "Bearer sk-key-two", "Bearer sk-key-three");
    }

    @Test
    void withoutAnArnThePlainVariableIsTheKey() throws Exception {
        Env env = env(Map.of(Setting.OPENAI_API_KEY.name(), "sk-plain"));
        ask(ChatModels.catalogFromEnv(env, new Secrets(env, () -> store, now::get)).defaultModel().model());
        assertThat(server.authorizations()).containsExactly("Bearer sk-plain");
        assertThat(store.reads(ARN)).isZero();
    }

    @Test
    void noOpenAiModelNoSecretRead() {
        Env env = new Env(Map.of(Setting.MODELS.name(), "offline:" + OfflineChatModel.NAME,
                Setting.OPENAI_API_KEY_SECRET_ARN.name(), ARN));
        ChatModels.catalogFromEnv(env, new Secrets(env, () -> store, now::get));
        assertThat(store.reads(ARN)).isZero();
    }
}
