package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.config.Setting;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * template.yaml, as data: the user-data tables outlive the stack, and the per-user and shared limits are parameters
 * that reach the functions with the settings' own defaults and ranges. No emulators.
 */
class TemplateRetentionAndLimitsTest {
    private static final List<Setting> PER_USER_SETTINGS = List.of(Setting.LIMIT_TURNS_PER_MINUTE,
            Setting.LIMIT_CONCURRENT_TURNS, Setting.LIMIT_TOKENS_PER_DAY, Setting.MESSAGE_RETENTION_DAYS,
            Setting.LIMIT_SESSIONS_PER_USER, Setting.LIMIT_DOCUMENTS_PER_USER, Setting.LIMIT_NOTES_PER_USER,
            Setting.LIMIT_SESSIONS_PER_MINUTE, Setting.LIMIT_DOCUMENTS_PER_MINUTE);
    private static final String NO_VALUE = "AWS::NoValue";

    private static TemplateModel model;

    @BeforeAll
    static void load() {
        model = TemplateModel.load(TemplateModel.locate());
    }

    private static JsonNode resource(String logicalId) {
        JsonNode r = model.root().path("Resources").path(logicalId);
        assertThat(r.isMissingNode()).as(logicalId + " is declared").isFalse();
        return r;
    }

    private static JsonNode parameter(String name) {
        JsonNode p = model.root().path("Parameters").path(name);
        assertThat(p.isMissingNode()).as("parameter " + name).isFalse();
        return p;
    }

    /** {@code !If [Condition, !Ref Param, !Ref AWS::NoValue]}: the parameter, checked to default to 0 = off. */
    private static String optionalByParameter(JsonNode value, String what) {
        assertThat(value.isArray() && value.size() == 3).as(what + " is !If [condition, value, AWS::NoValue]").isTrue();
        String condition = value.get(0).asText();
        String param = value.get(1).asText();
        assertThat(value.get(2).asText()).as(what + " without the parameter").isEqualTo(NO_VALUE);
        assertThat(parameter(param).path("Default").asText()).as(param + " default (0 = off)").isEqualTo("0");
        JsonNode cond = model.root().path("Conditions").path(condition);
        assertThat(cond.toString()).as("condition " + condition + " tests " + param).contains(param);
        return param;
    }

    @ParameterizedTest
    @ValueSource(strings = {"SessionsTable", "MessagesTable", "UserDataTable"})
    void userDataTablesAreRetainedProtectedAndRecoverable(String table) {
        JsonNode r = resource(table);
        assertThat(r.path("DeletionPolicy").asText()).as(table + " DeletionPolicy").isEqualTo("Retain");
        assertThat(r.path("UpdateReplacePolicy").asText()).as(table + " UpdateReplacePolicy").isEqualTo("Retain");
        JsonNode p = r.path("Properties");
        String protection = p.path("DeletionProtectionEnabled").asText();
        String recovery = p.path("PointInTimeRecoverySpecification").path("PointInTimeRecoveryEnabled").asText();
        for (String param : List.of(protection, recovery)) {
            assertThat(model.isParameter(param)).as(table + ": " + param + " is a parameter").isTrue();
            assertThat(model.parameterDefault(param)).as(param + " is on by default").contains("true");
            assertThat(parameter(param).path("AllowedValues").toString()).contains("true", "false");
        }
    }

    @Test
    void theConnectionsTableStaysDisposable() {
        // connections live two hours at most: nothing to keep when the stack goes
        assertThat(resource("ConnectionsTable").path("DeletionPolicy").isMissingNode()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"MessageFunction", "WorkerFunction"})
    void perUserLimitsArePassedFromParametersWithTheSettingsDefaultsAndRanges(String function) {
        Map<String, String> env = model.rawEnvironment(function);
        for (Setting s : PER_USER_SETTINGS) {
            String param = env.get(s.name());
            assertThat(param).as(function + " sets " + s).isNotNull();
            assertThat(model.isParameter(param)).as(function + " " + s + " comes from a parameter").isTrue();
            JsonNode p = parameter(param);
            assertThat(p.path("Type").asText()).as(param + " type").isEqualTo("Number");
            assertThat(p.path("Default").asText()).as(param + " default is " + s + "'s").isEqualTo(s.defaultValue());
            assertThat(p.path("MinValue").asLong()).as(param + " MinValue").isEqualTo(s.min());
            if (s.max() != Long.MAX_VALUE) {
                assertThat(p.path("MaxValue").asLong()).as(param + " MaxValue").isEqualTo(s.max());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"MessageFunction", "WorkerFunction"})
    void reservedConcurrencyIsAParameterOffByDefault(String function) {
        JsonNode reserved = model.resources(TemplateModel.FUNCTION).get(function).path("ReservedConcurrentExecutions");
        optionalByParameter(reserved, function + " ReservedConcurrentExecutions");
    }

    @Test
    void theWorkersEventSourceCapsItsConcurrencyByParameter() {
        JsonNode mapping = model.resources("AWS::Lambda::EventSourceMapping").values().iterator().next();
        JsonNode scaling = mapping.path("ScalingConfig");
        assertThat(scaling.isArray() && scaling.size() == 3).as("ScalingConfig is !If [...]").isTrue();
        assertThat(scaling.get(2).asText()).isEqualTo(NO_VALUE);
        String param = scaling.get(1).path("MaximumConcurrency").asText();
        assertThat(parameter(param).path("Default").asText()).isEqualTo("0");
        assertThat(parameter(param).path("MaxValue").asInt()).as("Lambda's maximum").isEqualTo(1000);
        // 1 is outside the event source's range (2-1000): a rule refuses it before CloudFormation would
        assertThat(model.root().path("Rules").toString()).contains(param);
        assertThat(model.root().path("Conditions").path(scaling.get(0).asText()).toString()).contains(param);
    }

    @Test
    void theConnectAuthorizerCanRequireTheSubprotocolHeaderSoTokenlessAttemptsInvokeNothing() {
        JsonNode authorizer = model.resources(TemplateModel.AUTHORIZER).values().iterator().next();
        JsonNode source = authorizer.path("IdentitySource");
        assertThat(source.isArray() && source.size() == 3).as("IdentitySource is !If [...]").isTrue();
        assertThat(source.get(1).toString()).contains("route.request.header.Sec-WebSocket-Protocol");
        assertThat(source.get(2).asText()).as("both token places by default").isEqualTo(NO_VALUE);
        String condition = model.root().path("Conditions").path(source.get(0).asText()).toString();
        assertThat(condition).contains("ConnectTokenInSubprotocolOnly");
        assertThat(model.parameterDefault("ConnectTokenInSubprotocolOnly")).contains("false");
    }
}
