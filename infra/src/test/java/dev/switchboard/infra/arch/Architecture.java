package dev.switchboard.infra.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.lang.ArchRule;
import java.util.List;

/**
 * The module map of docs/design.md as rules. Each module owns whole packages, so a rule over packages is a rule over
 * modules:
 * <ul>
 *   <li>core: domain, port, protocol, config, log, auth, usecase (with usecase.operator)</li>
 *   <li>aws: adapter.* (DynamoDB, SQS, @connections, EMF, the SDK client factory)</li>
 *   <li>lambda: runtime (API Gateway events, init timing)</li>
 *   <li>agent: agent, knowledge, tools, turn (the only langchain4j user)</li>
 *   <li>functions: one package per function (authorizer, connect, disconnect, message, worker, operator)</li>
 *   <li>infra: the local stack and benchmarks, which may use everything</li>
 * </ul>
 */
public final class Architecture {
    static final String[] CORE = {"dev.switchboard.domain..", "dev.switchboard.port..", "dev.switchboard.protocol..",
            "dev.switchboard.config..", "dev.switchboard.log..", "dev.switchboard.auth..", "dev.switchboard.usecase.."};
    static final String[] AWS = {"dev.switchboard.adapter.."};
    static final String[] LAMBDA = {"dev.switchboard.runtime.."};
    static final String[] AGENT = {"dev.switchboard.agent..", "dev.switchboard.knowledge..", "dev.switchboard.tools..",
            "dev.switchboard.turn.."};
    static final String[] FUNCTIONS = {"dev.switchboard.authorizer..", "dev.switchboard.connect..",
            "dev.switchboard.disconnect..", "dev.switchboard.message..", "dev.switchboard.worker..",
            "dev.switchboard.operator..", "dev.switchboard.chatpage.."};
    static final String[] INFRA = {"dev.switchboard.infra.."};

    static final String[] AWS_LIBRARIES = {"software.amazon..", "com.amazonaws.."};
    static final String[] LANGCHAIN4J = {"dev.langchain4j.."};

    private Architecture() {}

    private static String[] concat(String[]... parts) {
        return java.util.Arrays.stream(parts).flatMap(java.util.Arrays::stream).toArray(String[]::new);
    }

    /** The core depends on nothing of ours outside itself. */
    public static final ArchRule CORE_DEPENDS_ON_NOTHING_OF_OURS = noClasses().that().resideInAnyPackage(CORE)
            .should().dependOnClassesThat().resideInAnyPackage(concat(AWS, LAMBDA, AGENT, FUNCTIONS, INFRA))
            .as("core depends on nothing of ours outside core");

    /** The core knows neither AWS (SDK, Lambda events, EMF), nor langchain4j, nor the agent's libraries. */
    public static final ArchRule CORE_KNOWS_NO_AWS_NOR_LANGCHAIN4J = noClasses().that().resideInAnyPackage(CORE)
            .should().dependOnClassesThat().resideInAnyPackage(concat(AWS_LIBRARIES, LANGCHAIN4J,
                    new String[] {"com.github.benmanes.caffeine..", "net.objecthunter.."}))
            .as("core knows neither AWS nor langchain4j (nor Caffeine, nor exp4j)");

    /** The AWS adapters depend on the core only (not on the agent, the Lambda edge or a function). */
    public static final ArchRule ADAPTERS_DEPEND_ON_CORE_ONLY = noClasses().that().resideInAnyPackage(AWS)
            .should().dependOnClassesThat().resideInAnyPackage(concat(LAMBDA, AGENT, FUNCTIONS, INFRA))
            .as("the AWS adapters depend on core only");

    /**
     * The one agent class that names the AWS SDK: langchain4j's Bedrock model takes a Bedrock runtime client, which
     * it builds (docs/design.md, "Bedrock").
     */
    static final String BEDROCK_PROVIDER = "dev.switchboard.agent.BedrockModels";

    /** The agent depends on the core only: no AWS adapter, no AWS library, no Lambda event, no function. */
    public static final ArchRule AGENT_DEPENDS_ON_CORE_ONLY = noClasses().that().resideInAnyPackage(AGENT)
            .and().doNotHaveFullyQualifiedName(BEDROCK_PROVIDER)
            .should().dependOnClassesThat().resideInAnyPackage(concat(AWS, LAMBDA, FUNCTIONS, INFRA, AWS_LIBRARIES))
            .as("the agent depends on core only (and on no AWS library)");

    /** The Bedrock provider may name the SDK's Bedrock runtime client, but no adapter, Lambda event or function. */
    public static final ArchRule BEDROCK_PROVIDER_DEPENDS_ON_CORE_ONLY = noClasses()
            .that().haveFullyQualifiedName(BEDROCK_PROVIDER)
            .should().dependOnClassesThat().resideInAnyPackage(concat(AWS, LAMBDA, FUNCTIONS, INFRA))
            .allowEmptyShould(true)
            .as("the Bedrock provider depends on core, langchain4j and the SDK only");

    /** The Lambda edge maps events onto the core; it knows no adapter and no agent. */
    public static final ArchRule LAMBDA_EDGE_DEPENDS_ON_CORE_ONLY = noClasses().that().resideInAnyPackage(LAMBDA)
            .should().dependOnClassesThat().resideInAnyPackage(concat(AWS, AGENT, FUNCTIONS, INFRA))
            .as("the Lambda edge depends on core only");

    /** langchain4j is the agent's alone (the local stack's benchmarks may build models too). */
    public static final ArchRule ONLY_THE_AGENT_USES_LANGCHAIN4J = noClasses()
            .that().resideInAnyPackage(concat(CORE, AWS, LAMBDA, FUNCTIONS)).and().resideOutsideOfPackage("dev.switchboard.worker..")
            .should().dependOnClassesThat().resideInAnyPackage(LANGCHAIN4J)
            .as("only the agent (and the worker's composition root) uses langchain4j");

    /** No function depends on another function. */
    public static final ArchRule FUNCTIONS_ARE_INDEPENDENT = slices().matching("dev.switchboard.(*)..")
            .that(slicesIn(FUNCTIONS)).should().notDependOnEachOther()
            .as("no function depends on another function");

    /** No two packages of ours import each other, directly or through others. */
    public static final ArchRule NO_PACKAGE_CYCLES = slices().matching("dev.switchboard.(**)").should().beFreeOfCycles()
            .as("no package cycles");

    /**
     * A handler (and its composition root) builds stores and hands them to use cases, and never calls a store itself:
     * every read and write of state goes through a use case.
     */
    public static final ArchRule HANDLERS_REACH_STORES_ONLY_THROUGH_USE_CASES = noClasses()
            .that().resideInAnyPackage(FUNCTIONS)
            .should().callMethodWhere(instanceCallOnAPort())
            .as("handlers reach stores only through use cases");

    public static final List<ArchRule> ALL = List.of(CORE_DEPENDS_ON_NOTHING_OF_OURS, CORE_KNOWS_NO_AWS_NOR_LANGCHAIN4J,
            ADAPTERS_DEPEND_ON_CORE_ONLY, AGENT_DEPENDS_ON_CORE_ONLY, BEDROCK_PROVIDER_DEPENDS_ON_CORE_ONLY,
            LAMBDA_EDGE_DEPENDS_ON_CORE_ONLY,
            ONLY_THE_AGENT_USES_LANGCHAIN4J, FUNCTIONS_ARE_INDEPENDENT, NO_PACKAGE_CYCLES,
            HANDLERS_REACH_STORES_ONLY_THROUGH_USE_CASES);

    private static DescribedPredicate<com.tngtech.archunit.library.dependencies.Slice> slicesIn(String[] packages) {
        return DescribedPredicate.describe("slices of " + String.join(", ", packages), slice -> slice.stream()
                .anyMatch(c -> java.util.Arrays.stream(packages)
                        .anyMatch(p -> c.getPackageName().startsWith(p.replace("..", "")))));
    }

    /** An instance method of a store-like port (or of a class implementing one): a read or a write of state. */
    private static DescribedPredicate<JavaMethodCall> instanceCallOnAPort() {
        return DescribedPredicate.describe("an instance method of a store port (or its adapter)", call -> {
            if (call.getTarget().resolveMember().map(m -> m.getModifiers().contains(JavaModifier.STATIC)).orElse(false)) {
                return false;
            }
            JavaClass owner = call.getTargetOwner();
            return isStorePort(owner) || owner.getAllRawInterfaces().stream().anyMatch(Architecture::isStorePort);
        });
    }

    /** A port that holds or moves state: a store, a queue, a counter, a gateway to connections, a monitor. */
    private static boolean isStorePort(JavaClass c) {
        return c.isInterface() && c.getPackageName().equals("dev.switchboard.port")
                && STATE_PORT.matcher(c.getSimpleName()).matches();
    }

    private static final java.util.regex.Pattern STATE_PORT =
            java.util.regex.Pattern.compile(".*(Store|Queue|Quotas|Counters|Versions|Census|Monitor|Gateway|Closer|Check)");
}
