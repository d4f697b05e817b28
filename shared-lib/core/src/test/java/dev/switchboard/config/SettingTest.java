package dev.switchboard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingTest {
    @Test
    void anUnsetSettingHasItsDeclaredDefault() {
        Env env = new Env(Map.of());
        assertThat(env.integer(Setting.HISTORY_WINDOW)).isEqualTo(20);
        assertThat(env.longValue(Setting.LIMIT_TOKENS_PER_DAY)).isEqualTo(200_000L);
        assertThat(env.text(Setting.METRICS_NAMESPACE)).isEqualTo("Switchboard");
        assertThat(env.text(Setting.MODELS)).isNull();
        assertThat(new Env(Map.of("HISTORY_WINDOW", "  ")).integer(Setting.HISTORY_WINDOW)).isEqualTo(20);
    }

    @Test
    void aSetValueWins() {
        Env env = new Env(Map.of("HISTORY_WINDOW", " 7 ", "LIMIT_TOKENS_PER_DAY", "3000", "METRICS_NAMESPACE", "Team"));
        assertThat(env.integer(Setting.HISTORY_WINDOW)).isEqualTo(7);
        assertThat(env.longValue(Setting.LIMIT_TOKENS_PER_DAY)).isEqualTo(3000L);
        assertThat(env.text(Setting.METRICS_NAMESPACE)).isEqualTo("Team");
    }

    @Test
    void aBadNumberFailsNamingTheVariable() {
        assertThatThrownBy(() -> new Env(Map.of("HISTORY_WINDOW", "twenty")).integer(Setting.HISTORY_WINDOW))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Environment variable HISTORY_WINDOW must be an integer, got 'twenty'");
        assertThatThrownBy(() -> new Env(Map.of("LIMIT_TOKENS_PER_DAY", "1e6")).longValue(Setting.LIMIT_TOKENS_PER_DAY))
                .hasMessageContaining("LIMIT_TOKENS_PER_DAY");
    }

    @Test
    void aValueOutsideItsRangeFailsNamingTheVariableAndTheRange() {
        assertThatThrownBy(() -> new Env(Map.of("CANCEL_POLL_MILLIS", "10")).integer(Setting.CANCEL_POLL_MILLIS))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("CANCEL_POLL_MILLIS must be from 50 to 5000, got 10");
        assertThatThrownBy(() -> new Env(Map.of("LIMIT_TOKENS_PER_DAY", "-1")).longValue(Setting.LIMIT_TOKENS_PER_DAY))
                .hasMessageContaining("LIMIT_TOKENS_PER_DAY must be from 0");
        assertThatThrownBy(() -> new Env(Map.of("HISTORY_WINDOW", "3000000000")).integer(Setting.HISTORY_WINDOW))
                .hasMessageContaining("HISTORY_WINDOW");
    }

    @Test
    void aRequiredSettingThatIsMissingFailsNamingIt() {
        assertThatThrownBy(() -> new Env(Map.of()).require(Setting.SESSIONS_TABLE))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("SESSIONS_TABLE");
    }

    @Test
    void aTextSettingIsNoNumber() {
        assertThatThrownBy(() -> new Env(Map.of()).integer(Setting.MODELS)).isInstanceOf(IllegalArgumentException.class);
    }
}
