package dev.switchboard.testing;

import dev.switchboard.port.UserQuotas;
import java.util.HashMap;
import java.util.Map;

/** Test-only {@link UserQuotas} with the DynamoDB adapter's windows: UTC minute and UTC day. */
public class InMemoryUserQuotas implements UserQuotas {
    private final Map<String, Long> turns = new HashMap<>();
    private final Map<String, Long> tokens = new HashMap<>();

    @Override
    public synchronized Verdict tryStartTurn(String userId, long nowMillis, int turnsPerMinute, long tokensPerDay) {
        String minute = userId + "#" + nowMillis / 60_000;
        String day = userId + "#" + nowMillis / 86_400_000;
        if (turnsPerMinute > 0 && turns.getOrDefault(minute, 0L) >= turnsPerMinute) {
            return Verdict.TURNS_PER_MINUTE;
        }
        if (tokensPerDay > 0 && tokens.getOrDefault(day, 0L) >= tokensPerDay) {
            return Verdict.TOKENS_PER_DAY;
        }
        turns.merge(minute, 1L, Long::sum);
        return Verdict.OK;
    }

    @Override
    public synchronized void addTokens(String userId, long nowMillis, long tokens) {
        this.tokens.merge(userId + "#" + nowMillis / 86_400_000, tokens, Long::sum);
    }
}
