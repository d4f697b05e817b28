package dev.switchboard.infra.arch;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaAccess;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * langchain4j-bedrock 1.11.0 (the newest the registry here serves) runs on the newer langchain4j core the rest of the
 * project uses (docs/design.md, "Bedrock"): every class, constructor, method and field of langchain4j and of the AWS
 * SDK that its classes reference exists on the classpath as it is now. A core (or SDK) upgrade that drops one fails
 * here, not at a user's first Bedrock turn.
 */
class BedrockLinkageTest {
    private static final String BEDROCK = "dev.langchain4j.model.bedrock";

    @Test
    void everyReferenceOfTheBedrockModuleResolvesOnTheClasspath() {
        // the classes it references are resolved from the classpath as ArchUnit meets them (with their supertypes)
        JavaClasses classes = new ClassFileImporter().importPackages(BEDROCK);
        List<String> unresolved = new ArrayList<>();
        int checked = 0;
        for (JavaClass c : classes) {
            if (!c.getPackageName().startsWith(BEDROCK)) {
                continue;
            }
            for (JavaAccess<?> access : c.getAccessesFromSelf()) {
                JavaClass owner = access.getTargetOwner();
                if (!referencedLibrary(owner)) {
                    continue;
                }
                checked++;
                if (owner.getSource().isEmpty()
                        || access.getTarget().resolveMember().isEmpty() && !objectMethod(access)) {
                    unresolved.add(access.getDescription());
                }
            }
            for (var dependency : c.getDirectDependenciesFromSelf()) {
                JavaClass target = dependency.getTargetClass().getBaseComponentType();
                if (referencedLibrary(target) && target.getSource().isEmpty()) {
                    unresolved.add(dependency.getDescription());
                }
            }
        }
        assertThat(checked).as("references checked").isGreaterThan(200);
        assertThat(unresolved).as("references of langchain4j-bedrock that do not resolve").isEmpty();
    }

    /** {@code getClass()} and the like called on an interface: java.lang.Object's, always there. */
    private static boolean objectMethod(JavaAccess<?> access) {
        return java.util.Arrays.stream(Object.class.getMethods()).anyMatch(m -> m.getName().equals(access.getName()));
    }

    private static boolean referencedLibrary(JavaClass c) {
        String p = c.getPackageName();
        return (p.startsWith("dev.langchain4j") || p.startsWith("software.amazon.awssdk")) && !p.startsWith(BEDROCK);
    }
}
