package dev.switchboard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.testing.InMemorySecretSource;
import dev.switchboard.testing.LogLines;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Which variable wins, and when a secret from the store is read again (clock-driven, no waiting). */
class SecretsTest {
    private static final String ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:switchboard/jwt-AbCdEf";
    private static final String VALUE = "first-value-of-the-hs256-secret-0123456789";
    private static final String ROTATED = "rotated-value-of-the-hs256-secret-987654321";

    private final InMemorySecretSource store = new InMemorySecretSource().with(ARN, VALUE);
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final AtomicInteger sourcesBuilt = new AtomicInteger();

    private Secrets secrets(Map<String, String> vars) {
        return new Secrets(new Env(vars), () -> {
            sourcesBuilt.incrementAndGet();
            return store;
        }, now::get);
    }

    @Test
    void theArnWinsAndIsReadAtInit() {
        Secret s = secrets(Map.of("JWT_SECRET_ARN", ARN)).get(Setting.JWT_SECRET);
        assertThat(store.reads(ARN)).as("read when the secret is resolved (init)").isEqualTo(1);
        assertThat(s.value()).isEqualTo(VALUE);
        assertThat(s.name()).isEqualTo(ARN);
        assertThat(s).hasToString("Secret[" + ARN + "]");
        assertThat(store.reads(ARN)).as("a fresh value is not read again").isEqualTo(1);
    }

    @Test
    void withoutAnArnThePlainVariableIsTheValueAndNoStoreIsBuilt() {
        Secrets s = secrets(Map.of("JWT_SECRET", VALUE));
        assertThat(s.get(Setting.JWT_SECRET).value()).isEqualTo(VALUE);
        assertThat(s.get(Setting.OPENAI_API_KEY).value()).as("its default").isEqualTo("not-needed");
        s.refresh();
        assertThat(sourcesBuilt).hasValue(0);
    }

    @Test
    void bothTheArnAndThePlainVariableFailNamingBoth() {
        assertThatThrownBy(() -> secrets(Map.of("JWT_SECRET_ARN", ARN, "JWT_SECRET", VALUE)).get(Setting.JWT_SECRET))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("JWT_SECRET_ARN").hasMessageContaining("JWT_SECRET ")
                .hasMessageNotContaining(VALUE);
        assertThat(store.reads(ARN)).isZero();
    }

    @Test
    void neitherFailsNamingBothWhenThereIsNoDefault() {
        assertThatThrownBy(() -> secrets(Map.of()).get(Setting.JWT_SECRET))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("JWT_SECRET_ARN or JWT_SECRET");
    }

    @Test
    void onlySecretSettingsResolve() {
        assertThatThrownBy(() -> secrets(Map.of()).get(Setting.JWT_ISSUER)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aMissingOrDeniedSecretFailsAtInitNamingTheArn() {
        assertThatThrownBy(() -> secrets(Map.of("OPENAI_API_KEY_SECRET_ARN", ARN + "-missing"))
                .get(Setting.OPENAI_API_KEY))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(ARN + "-missing");
        store.deny(ARN);
        assertThatThrownBy(() -> secrets(Map.of("JWT_SECRET_ARN", ARN)).get(Setting.JWT_SECRET))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(ARN)
                .hasMessageNotContaining(VALUE);
    }

    @Test
    void aValueOlderThanTheMaximumAgeIsReadAgain() {
        Secret s = secrets(Map.of("JWT_SECRET_ARN", ARN, "SECRET_MAX_AGE_SECONDS", "60")).get(Setting.JWT_SECRET);
        store.put(ARN, ROTATED);
        now.addAndGet(59_999);
        assertThat(s.value()).as("younger than 60 s: the value read at init").isEqualTo(VALUE);
        now.addAndGet(1);
        assertThat(s.value()).as("60 s old: read again").isEqualTo(ROTATED);
        assertThat(store.reads(ARN)).isEqualTo(2);
        now.addAndGet(59_999);
        assertThat(s.value()).isEqualTo(ROTATED);
        assertThat(store.reads(ARN)).as("the age counts from the last read").isEqualTo(2);
    }

    @Test
    void theDefaultMaximumAgeIsFiveMinutes() {
        Secret s = secrets(Map.of("JWT_SECRET_ARN", ARN)).get(Setting.JWT_SECRET);
        store.put(ARN, ROTATED);
        now.addAndGet(299_999);
        assertThat(s.value()).isEqualTo(VALUE);
        now.addAndGet(1);
        assertThat(s.value()).isEqualTo(ROTATED);
    }

    @Test
    void refreshReadsEverySecretOfTheStoreAgain() {
        store.put(ARN + "-key", "key-one");
        Secrets all = secrets(Map.of("JWT_SECRET_ARN", ARN, "OPENAI_API_KEY_SECRET_ARN", ARN + "-key"));
        Secret jwt = all.get(Setting.JWT_SECRET);
        Secret key = all.get(Setting.OPENAI_API_KEY);
        store.put(ARN, ROTATED);
        store.put(ARN + "-key", "key-two");
        all.refresh();
        assertThat(store.reads(ARN)).isEqualTo(2);
        assertThat(store.reads(ARN + "-key")).isEqualTo(2);
        assertThat(jwt.value()).isEqualTo(ROTATED);
        assertThat(key.value()).isEqualTo("key-two");
        assertThat(sourcesBuilt).as("one client for every secret").hasValue(1);
    }

    @Test
    void aFailedReReadKeepsTheLastValueAndTriesAgainFiveSecondsLater() {
        Secret s = secrets(Map.of("JWT_SECRET_ARN", ARN, "SECRET_MAX_AGE_SECONDS", "60")).get(Setting.JWT_SECRET);
        store.deny(ARN);
        now.addAndGet(60_000);
        try (LogLines logs = LogLines.capture()) {
            assertThat(s.value()).as("the re-read by age fails: the last value").isEqualTo(VALUE);
            assertThat(store.reads(ARN)).isEqualTo(2);
            store.put(ARN, ROTATED);
            now.addAndGet(Secret.RETRY_AFTER_MILLIS - 1);
            assertThat(s.value()).as("not asked again at once").isEqualTo(VALUE);
            assertThat(store.reads(ARN)).isEqualTo(2);
            assertThat(logs.lines()).anyMatch(l -> l.startsWith("WARN") && l.contains(ARN))
                    .noneMatch(l -> l.contains(VALUE));
        }
        now.addAndGet(1);
        assertThat(s.value()).as("the retry").isEqualTo(ROTATED);
        assertThat(store.reads(ARN)).isEqualTo(3);
        store.deny(ARN);
        s.refresh();
        assertThat(s.value()).as("a failed refresh keeps the value too").isEqualTo(ROTATED);
    }

    @Test
    void noValueReachesALogLine() {
        store.put(ARN + "-key", "sk-the-api-key-value");
        try (LogLines logs = LogLines.capture()) {
            Secrets all = secrets(Map.of("JWT_SECRET_ARN", ARN, "OPENAI_API_KEY_SECRET_ARN", ARN + "-key",
                    "SECRET_MAX_AGE_SECONDS", "1"));
            Secret jwt = all.get(Setting.JWT_SECRET);
            all.get(Setting.OPENAI_API_KEY);
            store.put(ARN, ROTATED);
            all.refresh();
            now.addAndGet(5_000);
            jwt.value();
            assertThat(logs.lines()).as("the reads are logged by ARN").anyMatch(l -> l.contains(ARN))
                    .noneMatch(l -> l.contains(VALUE) || l.contains(ROTATED) || l.contains("sk-the-api-key-value"));
        }
    }

    @Test
    void aFixedValueIsNeverReadAgain() {
        Secret s = Secret.fixed("JWT_SECRET", VALUE);
        s.refresh();
        assertThat(s.value()).isEqualTo(VALUE);
        assertThat(s).hasToString("Secret[JWT_SECRET]");
    }
}
