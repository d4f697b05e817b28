package dev.switchboard.infra.arch;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every rule of {@link Architecture} holds for the production classes of every module. */
class ArchitectureTest {
    private static JavaClasses production;

    @BeforeAll
    static void importProduction() {
        production = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.switchboard");
        // every module is in the import (a rule over an empty set would prove nothing)
        assertThat(Stream.of("dev.switchboard.usecase.ChatIngress", "dev.switchboard.adapter.dynamodb.DynamoDbSessionStore",
                "dev.switchboard.runtime.WebSocketEvents", "dev.switchboard.turn.TurnRunner",
                "dev.switchboard.message.MessageHandler", "dev.switchboard.worker.WorkerHandler",
                "dev.switchboard.infra.LocalStack")).allMatch(production::contain);
        assertThat(production.contain("dev.switchboard.archfixture.a.A")).as("test classes are not production").isFalse();
    }

    static Stream<ArchRule> rules() {
        return Architecture.ALL.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void holds(ArchRule rule) {
        rule.check(production);
    }
}
