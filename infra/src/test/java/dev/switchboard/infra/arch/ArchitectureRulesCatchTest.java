package dev.switchboard.infra.arch;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each rule of {@link Architecture} fails on a class that draws the arrow it forbids (the {@code archfixture}
 * packages of the test sources, one per arrow), and passes on a class that does not.
 */
class ArchitectureRulesCatchTest {
    static Stream<Arguments> forbiddenArrows() {
        return Stream.of(
                Arguments.of(Architecture.CORE_DEPENDS_ON_NOTHING_OF_OURS,
                        dev.switchboard.domain.archfixture.UsesTheLambdaEdge.class, List.of()),
                Arguments.of(Architecture.CORE_DEPENDS_ON_NOTHING_OF_OURS,
                        dev.switchboard.usecase.archfixture.UsesTheAgent.class, List.of()),
                Arguments.of(Architecture.CORE_KNOWS_NO_AWS_NOR_LANGCHAIN4J,
                        dev.switchboard.port.archfixture.UsesLangchain4j.class, List.of()),
                Arguments.of(Architecture.ONLY_THE_AGENT_USES_LANGCHAIN4J,
                        dev.switchboard.port.archfixture.UsesLangchain4j.class, List.of()),
                Arguments.of(Architecture.LAMBDA_EDGE_DEPENDS_ON_CORE_ONLY,
                        dev.switchboard.runtime.archfixture.WiresAnAdapter.class, List.of()),
                Arguments.of(Architecture.AGENT_DEPENDS_ON_CORE_ONLY,
                        dev.switchboard.tools.archfixture.UsesDynamoDb.class, List.of()),
                Arguments.of(Architecture.ADAPTERS_DEPEND_ON_CORE_ONLY,
                        dev.switchboard.adapter.archfixture.UsesTheAgent.class, List.of()),
                Arguments.of(Architecture.HANDLERS_REACH_STORES_ONLY_THROUGH_USE_CASES,
                        dev.switchboard.message.archfixture.CallsAStore.class, List.of()),
                Arguments.of(Architecture.FUNCTIONS_ARE_INDEPENDENT,
                        dev.switchboard.connect.archfixture.UsesAnotherFunction.class, List.of(dev.switchboard.disconnect.DisconnectHandler.class)),
                Arguments.of(Architecture.NO_PACKAGE_CYCLES,
                        dev.switchboard.archfixture.a.A.class, List.of(dev.switchboard.archfixture.b.B.class)));
    }

    @ParameterizedTest(name = "{0} catches {1}")
    @MethodSource("forbiddenArrows")
    void catches(ArchRule rule, Class<?> offender, List<Class<?>> counterparts) {
        // the offender and, for rules between slices, the class on the other end of its arrow
        JavaClasses classes = new ClassFileImporter().importClasses(
                Stream.concat(Stream.of(offender), counterparts.stream()).toList());
        assertThatThrownBy(() -> rule.check(classes)).isInstanceOf(AssertionError.class)
                .hasMessageContaining(offender.getSimpleName());
    }

    static Stream<ArchRule> rules() {
        return Architecture.ALL.stream();
    }

    @ParameterizedTest(name = "{0} lets well-placed classes pass")
    @MethodSource("rules")
    void passesWellPlacedClasses(ArchRule rule) {
        // one class of each module, each using only what the map allows
        JavaClasses clean = new ClassFileImporter().importClasses(dev.switchboard.domain.Connection.class,
                dev.switchboard.usecase.ConnectionRegistry.class, dev.switchboard.adapter.dynamodb.DynamoDbConnectionStore.class,
                dev.switchboard.runtime.WebSocketEvents.class, dev.switchboard.turn.TurnBatch.class,
                dev.switchboard.connect.ConnectHandler.class, dev.switchboard.disconnect.DisconnectHandler.class);
        assertThatCode(() -> rule.check(clean)).doesNotThrowAnyException();
    }
}
