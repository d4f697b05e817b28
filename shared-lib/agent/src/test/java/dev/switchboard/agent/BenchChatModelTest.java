package dev.switchboard.agent;

import dev.switchboard.config.Setting;
import dev.switchboard.usecase.ModelListing;
import dev.switchboard.config.ModelIds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.switchboard.config.Env;
import dev.switchboard.knowledge.MemoryExtractor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class BenchChatModelTest {
    private static final ChatRequest HELLO = ChatRequest.builder().messages(UserMessage.from("hello")).build();

    /** Records partial responses with their arrival time (ms after the call), and the completion. */
    static final class Recorder implements StreamingChatResponseHandler {
        final long start = System.nanoTime();
        final List<String> tokens = new ArrayList<>();
        final List<Long> millis = new ArrayList<>();
        final AtomicReference<ChatResponse> done = new AtomicReference<>();
        int cancelAfter = Integer.MAX_VALUE;

        @Override
        public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
            tokens.add(partial.text());
            millis.add((System.nanoTime() - start) / 1_000_000);
            if (tokens.size() >= cancelAfter) {
                context.streamingHandle().cancel();
            }
        }

        @Override
        public void onCompleteResponse(ChatResponse response) {
            done.set(response);
        }

        @Override
        public void onError(Throwable error) {
            throw new AssertionError(error);
        }
    }

    @Test
    void askedToContinueAnAnswerItStreamsTheTokensAfterThoseTheAnswerHolds() {
        Recorder r = new Recorder();
        ChatRequest more = ChatRequest.builder().messages(AgentFactory.continuation(List.of(UserMessage.from("hello")),
                "tok1 tok2 tok3 ")).build();
        new BenchChatModel("b", 0, 0, 5).chat(more, r);

        assertThat(r.tokens).containsExactly("tok4 ", "tok5 ");
        assertThat(r.done.get().aiMessage().text()).isEqualTo("tok4 tok5 ");
        assertThat(AgentFactory.answerToContinue(HELLO.messages())).as("a plain request").isNull();
    }

    @Test
    void streamsTheConfiguredTokensAfterTheFirstTokenDelayAtTheTokenRate() {
        Recorder r = new Recorder();
        new BenchChatModel("b", 120, 100, 11).chat(HELLO, r);

        assertThat(r.tokens).hasSize(11).startsWith("tok1 ", "tok2 ").endsWith("tok11 ");
        assertThat(r.millis.get(0)).isBetween(120L, 400L);
        // 10 more tokens at 100/s: the last arrives ~100 ms after the first
        assertThat(r.millis.get(10) - r.millis.get(0)).isBetween(90L, 400L);
        assertThat(r.done.get().aiMessage().text()).isEqualTo(String.join("", r.tokens));
        assertThat(r.done.get().tokenUsage().outputTokenCount()).isEqualTo(11);
        assertThat(r.done.get().tokenUsage().inputTokenCount()).isPositive();
        assertThat(r.done.get().modelName()).isEqualTo("b");
    }

    @Test
    void stopsWithoutCompletionWhenTheCallerCancels() {
        Recorder r = new Recorder();
        r.cancelAfter = 3;
        new BenchChatModel("b", 0, 0, 50).chat(HELLO, r);

        assertThat(r.tokens).hasSize(3);
        assertThat(r.done.get()).isNull();
    }

    @Test
    void answersTheMemoryJobAtOnceWithNoOperation() {
        Recorder r = new Recorder();
        new BenchChatModel("b", 5_000, 1, 10).chat(ChatRequest.builder()
                .messages(SystemMessage.from(MemoryExtractor.SYSTEM_PROMPT), UserMessage.from("x")).build(), r);

        assertThat(r.tokens).isEmpty();
        assertThat(r.millis).isEmpty();
        assertThat(r.done.get().aiMessage().text()).isEqualTo("{\"operations\":[]}");
    }

    @Test
    void isBuiltFromModelsWithTheBenchSettings() {
        Env env = new Env(Map.of(Setting.MODELS.name(), "bench:fast", Setting.BENCH_FIRST_TOKEN_MILLIS.name(), "7",
                Setting.BENCH_TOKENS_PER_SECOND.name(), "0", Setting.BENCH_ANSWER_TOKENS.name(), "4"));
        ModelChoice choice = ChatModels.fromEnv(env);

        assertThat(choice.id()).isEqualTo("bench:fast");
        assertThat(choice.model()).isInstanceOf(BenchChatModel.class);
        assertThat(((BenchChatModel) choice.model()).firstTokenMillis()).isEqualTo(7);
        Recorder r = new Recorder();
        choice.model().chat(HELLO, r);
        assertThat(r.tokens).hasSize(4);
        assertThat(ModelListing.of(ModelIds.fromEnv(env)).models()).singleElement()
                .satisfies(m -> assertThat(m.provider()).isEqualTo("bench"));
    }

    @Test
    void rejectsANonsenseConfiguration() {
        assertThatThrownBy(() -> new BenchChatModel("b", -1, 10, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BenchChatModel("b", 0, 10, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
