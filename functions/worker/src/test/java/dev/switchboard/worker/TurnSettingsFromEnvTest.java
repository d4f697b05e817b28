package dev.switchboard.worker;

import dev.switchboard.config.Setting;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.config.Env;
import dev.switchboard.turn.TurnSettings;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TurnSettingsFromEnvTest {

    private static TurnSettings checked(TurnSettings s) {
        return TurnSettingsFromEnv.checked(s);
    }

    @Test
    void settingsRefuseAFlushCapBelowTheFirstIntervalOrOutOfRange() {
        assertThatThrownBy(() -> checked(new TurnSettings(20, 200, 100, 256, 3, 250, 5)))
                .hasMessageContaining("DELTA_FLUSH_MAX_MILLIS");
        assertThatThrownBy(() -> checked(new TurnSettings(20, 100, 10_001, 256, 3, 250, 5)))
                .hasMessageContaining("DELTA_FLUSH_MAX_MILLIS");
        assertThatThrownBy(() -> checked(new TurnSettings(20, -1, 600, 256, 3, 250, 5)))
                .hasMessageContaining("DELTA_FLUSH_MILLIS");
        assertThat(checked(new TurnSettings(20, 100, 600, 256, 3, 250, 5)).maxFlushMillis()).isEqualTo(600);
    }

    @Test
    void settingsRefuseOutOfRangeValues() {
        assertThatThrownBy(() -> checked(new TurnSettings(20, 50, 63, 3))).hasMessageContaining("DELTA_MAX_BYTES");
        assertThatThrownBy(() -> checked(new TurnSettings(20, 50, 4097, 3))).hasMessageContaining("DELTA_MAX_BYTES");
        assertThatThrownBy(() -> checked(new TurnSettings(-1, 50, 256, 3))).hasMessageContaining("HISTORY_WINDOW");
        assertThatThrownBy(() -> checked(new TurnSettings(201, 50, 256, 3))).hasMessageContaining("HISTORY_WINDOW");
        assertThat(checked(new TurnSettings(0, 0, 64, 1)).maxDeltaBytes()).isEqualTo(64);
    }

    @Test
    void theEnvironmentsValuesAndDefaultsAreRead() {
        assertThat(TurnSettingsFromEnv.read(new Env(Map.of())))
                .isEqualTo(new TurnSettings(20, 100, 600, 2048, 5, 1000, 5));
        assertThat(TurnSettingsFromEnv.read(new Env(Map.of(Setting.DELTA_FLUSH_MILLIS.name(), "800"))).maxFlushMillis())
                .as("the cap defaults to at least the first interval").isEqualTo(800);
        assertThatThrownBy(() -> TurnSettingsFromEnv.read(new Env(Map.of(Setting.CANCEL_POLL_MILLIS.name(), "10"))))
                .hasMessageContaining("CANCEL_POLL_MILLIS");
        assertThatThrownBy(() -> TurnSettingsFromEnv.read(new Env(Map.of(Setting.MAX_TOOL_ROUNDS.name(), "21"))))
                .hasMessageContaining("MAX_TOOL_ROUNDS");
    }

    @Test
    void runLimitsAreReadAndTheTurnsQueuesReceivesStayWithinWhatSqsAllows() {
        TurnSettings defaults = TurnSettingsFromEnv.read(new Env(Map.of()));
        assertThat(defaults.maxHandoffs()).isEqualTo(20);
        assertThat(defaults.runMaxMillis()).isEqualTo(3_600_000);
        assertThat(defaults.queueMaxReceiveCount()).as("5 failed deliveries plus 20 hand-offs").isEqualTo(25);
        TurnSettings set = TurnSettingsFromEnv.read(new Env(Map.of(Setting.RUN_MAX_HANDOFFS.name(), "0",
                Setting.RUN_MAX_SECONDS.name(), "600")));
        assertThat(set.maxHandoffs()).isZero();
        assertThat(set.runMaxMillis()).isEqualTo(600_000);
        assertThatThrownBy(() -> TurnSettingsFromEnv.read(new Env(Map.of(Setting.RUN_MAX_SECONDS.name(), "5"))))
                .hasMessageContaining("RUN_MAX_SECONDS");
        assertThatThrownBy(() -> TurnSettingsFromEnv.read(new Env(Map.of(Setting.RUN_MAX_HANDOFFS.name(), "900",
                Setting.MAX_RECEIVE_COUNT.name(), "101")))).hasMessageContaining("MAX_RECEIVE_COUNT + RUN_MAX_HANDOFFS");
    }
}
