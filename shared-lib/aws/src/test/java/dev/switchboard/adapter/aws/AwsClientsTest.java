package dev.switchboard.adapter.aws;

import dev.switchboard.config.Setting;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.config.Env;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

class AwsClientsTest {
    /** Stops every request before it leaves the process, and counts it. */
    static final class Refuse implements ExecutionInterceptor {
        final AtomicInteger seen = new AtomicInteger();

        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            seen.incrementAndGet();
            throw new IllegalStateException("refused " + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME));
        }
    }

    private static final Env EMULATED = new Env(Map.of(Setting.DYNAMODB_ENDPOINT.name(), "http://127.0.0.1:1",
            Setting.SQS_ENDPOINT.name(), "http://127.0.0.1:1", Setting.CALLBACK_URL.name(), "http://127.0.0.1:1/local"));

    @Test
    void addsNoInterceptorByDefault() {
        assertThat(AwsClients.interceptors(EMULATED)).isEmpty();
        assertThat(AwsClients.interceptors(EMULATED.withExtra(AwsClients.Interceptors.class,
                new AwsClients.Interceptors(List.of())))).isEmpty();
    }

    @Test
    void everyClientRunsTheInterceptorsTheEnvironmentCarries() {
        Refuse refuse = new Refuse();
        Env env = EMULATED.withExtra(AwsClients.Interceptors.class, new AwsClients.Interceptors(List.of(refuse)));

        assertThatThrownBy(() -> AwsClients.dynamoDb(env).listTables()).hasMessageContaining("refused ListTables");
        assertThatThrownBy(() -> AwsClients.sqs(env).listQueues()).hasMessageContaining("refused ListQueues");
        assertThatThrownBy(() -> AwsClients.connections(env).deleteConnection(b -> b.connectionId("c")))
                .hasMessageContaining("refused DeleteConnection");
        assertThat(refuse.seen).hasValue(3);
        assertThat(env.asMap()).isEqualTo(EMULATED.asMap());
    }
}
