package dev.switchboard.auth;

import dev.switchboard.config.Setting;
import dev.switchboard.config.Env;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Who is an operator: a verified token whose claim {@link #claim} contains {@link #value}. The claim may be a
 * space-separated string (OAuth 2.0 {@code scope}) or a list of strings ({@code scp}, {@code cognito:groups}, ...).
 * Defaults: claim {@value #DEFAULT_CLAIM}, value {@value #DEFAULT_VALUE}.
 */
public record OperatorPolicy(String claim, String value) {
    public static final String DEFAULT_CLAIM = Setting.OPERATOR_CLAIM.defaultValue();
    public static final String DEFAULT_VALUE = Setting.OPERATOR_CLAIM_VALUE.defaultValue();

    public OperatorPolicy {
        if (claim == null || claim.isBlank() || value == null || value.isBlank() || value.contains(" ")) {
            throw new IllegalStateException(Setting.OPERATOR_CLAIM.name() + " and " + Setting.OPERATOR_CLAIM_VALUE.name()
                    + " must be non-blank, and the value a single word");
        }
    }

    public static OperatorPolicy defaults() {
        return new OperatorPolicy(DEFAULT_CLAIM, DEFAULT_VALUE);
    }

    /** From OPERATOR_CLAIM and OPERATOR_CLAIM_VALUE, with the defaults above. */
    public static OperatorPolicy fromEnv(Env env) {
        return new OperatorPolicy(env.text(Setting.OPERATOR_CLAIM),
                env.text(Setting.OPERATOR_CLAIM_VALUE));
    }

    public boolean allows(VerifiedToken token) {
        Object v = token.claims().get(claim);
        if (v instanceof String s) {
            return List.of(s.trim().split("\\s+")).contains(value);
        }
        if (v instanceof Collection<?> c) {
            return c.stream().anyMatch(value::equals);
        }
        return false;
    }

    /** The claim a token needs to pass this policy (for development tokens). */
    public Map<String, Object> grant() {
        return Map.of(claim, DEFAULT_CLAIM.equals(claim) ? value : List.of(value));
    }
}
