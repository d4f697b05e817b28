package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.chatpage.PageConfig;
import dev.switchboard.config.Setting;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What template.yaml deploys beside the backend, read with its Conditions evaluated for both values of each switch:
 * the Cognito sign-in (CreateUserPool), the chat page on S3 and CloudFront (ChatPage), the outputs, and the
 * first-deploy fixes (sam build through the Makefile, the stage's AutoDeploy, timeouts within API Gateway's 29 s).
 */
class DeploymentTemplateTest {
    private static final Map<String, String> ALL_ON = Map.of("CreateUserPool", "true", "ChatPage", "true");
    private static final Map<String, String> ALL_OFF = Map.of("CreateUserPool", "false", "ChatPage", "false");
    private static final Set<String> POOL = Set.of("UserPool", "UserPoolClient", "UserPoolDomain");
    private static final Set<String> PAGE = Set.of("ChatPageBucket", "ChatPageBucketPolicy", "ChatPageOriginAccessControl",
            "ChatPageDistribution", "ChatPageFiles", "ChatPageFunction", "ChatPageFunctionLogGroup");

    private static TemplateModel model;
    private static TemplateConditions template;
    private static Path root;

    @BeforeAll
    static void load() {
        model = TemplateModel.load(TemplateModel.locate());
        template = TemplateConditions.load(TemplateModel.locate());
        root = TemplateModel.locate().getParent();
    }

    private static JsonNode resource(String id, Map<String, String> params) {
        return template.resolve(template.root().path("Resources").path(id), params);
    }

    private static JsonNode properties(String id, Map<String, String> params) {
        return resource(id, params).path("Properties");
    }

    private static List<String> texts(JsonNode n) {
        List<String> out = new ArrayList<>();
        (n.isArray() ? n : List.of(n)).forEach(e -> out.add(e.isValueNode() ? e.asText() : e.toString()));
        return out;
    }

    // ------------------------------------------------------------------ switches

    @ParameterizedTest(name = "CreateUserPool={0} ChatPage={1}")
    @CsvSource({"true,true", "true,false", "false,true", "false,false"})
    void eachSwitchAddsItsResourcesAndOutputsAndNothingElse(String pool, String page) {
        Map<String, String> params = Map.of("CreateUserPool", pool, "ChatPage", page);
        Set<String> resources = template.resources(params);
        Set<String> outputs = template.outputs(params);
        for (String id : POOL) {
            assertThat(resources.contains(id)).as(id + " with CreateUserPool=" + pool).isEqualTo(pool.equals("true"));
        }
        for (String id : PAGE) {
            assertThat(resources.contains(id)).as(id + " with ChatPage=" + page).isEqualTo(page.equals("true"));
        }
        assertThat(outputs).contains("WebSocketUrl", "OperatorApiUrl");
        assertThat(outputs.contains("ChatPageUrl")).isEqualTo(page.equals("true"));
        assertThat(outputs.containsAll(Set.of("UserPoolId", "UserPoolClientId", "SignInUrl")))
                .isEqualTo(pool.equals("true"));
        assertThat(outputs.contains("UserPoolId")).isEqualTo(pool.equals("true"));
        // the backend is there either way
        assertThat(resources).contains("WebSocketApi", "AuthorizerFunction", "WorkerFunction", "OperatorHttpApi");
    }

    @Test
    void theDefaultsDeployTheUserPoolAndThePage() {
        assertThat(template.parameters(Map.of())).containsEntry("CreateUserPool", "true").containsEntry("ChatPage", "true");
        assertThat(template.resources(Map.of())).containsAll(POOL).containsAll(PAGE);
    }

    // ------------------------------------------------------------------ sign-in

    @Test
    void theAppClientIsAPublicPkceClientOfTheAuthorizationCodeFlow() {
        JsonNode client = properties("UserPoolClient", ALL_ON);
        assertThat(client.path("GenerateSecret").asText()).isEqualTo("false");
        assertThat(client.path("AllowedOAuthFlowsUserPoolClient").asText()).isEqualTo("true");
        assertThat(texts(client.path("AllowedOAuthFlows"))).containsExactly("code");
        assertThat(texts(client.path("AllowedOAuthScopes"))).contains("openid");
        assertThat(texts(client.path("ExplicitAuthFlows"))).doesNotContain("ALLOW_USER_PASSWORD_AUTH");
        assertThat(client.path("UserPoolId").toString()).contains("UserPool");
        // the callback is the page's CloudFront URL; the extra one (local testing) only when given
        assertThat(client.path("CallbackURLs").toString()).contains("ChatPageDistribution.DomainName")
                .doesNotContain("ExtraCallbackUrl");
        JsonNode withExtra = properties("UserPoolClient", Map.of("ExtraCallbackUrl", "http://localhost:8080/"));
        assertThat(withExtra.path("CallbackURLs").toString()).contains("ChatPageDistribution.DomainName", "ExtraCallbackUrl");
        JsonNode noPage = properties("UserPoolClient", Map.of("ChatPage", "false", "ExtraCallbackUrl", "http://x/"));
        assertThat(noPage.path("CallbackURLs").toString()).contains("ExtraCallbackUrl").doesNotContain("ChatPageDistribution");
        assertThat(properties("UserPoolDomain", ALL_ON).path("Domain").path("Ref").asText()).isEqualTo("CognitoDomainPrefix");
    }

    @Test
    void theAuthorizerAndTheOperatorFunctionVerifyThePoolsTokensOrTheOwnIssuers() {
        for (String fn : List.of("AuthorizerFunction", "OperatorFunction")) {
            JsonNode on = properties(fn, ALL_ON).path("Environment").path("Variables");
            assertThat(on.path(Setting.AUTH_MODE.name()).asText()).as(fn).isEqualTo("jwks");
            assertThat(on.path(Setting.JWT_ISSUER.name()).toString())
                    .contains("https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}");
            assertThat(on.path(Setting.JWKS_URL.name()).toString()).contains("${UserPool}/.well-known/jwks.json");
            assertThat(on.path(Setting.JWT_AUDIENCE.name()).path("Ref").asText()).as("aud = the app client id")
                    .isEqualTo("UserPoolClient");

            JsonNode off = properties(fn, ALL_OFF).path("Environment").path("Variables");
            assertThat(off.path(Setting.AUTH_MODE.name()).path("Ref").asText()).isEqualTo("AuthMode");
            assertThat(off.path(Setting.JWT_ISSUER.name()).path("Ref").asText()).isEqualTo("JwtIssuer");
            assertThat(off.path(Setting.JWKS_URL.name()).path("Ref").asText()).isEqualTo("JwksUrl");
            assertThat(off.path(Setting.JWT_AUDIENCE.name()).path("Ref").asText()).isEqualTo("JwtAudience");
        }
        // the local stack (TemplateModel) takes the own-issuer branch: it brings its own sign-in
        Map<String, String> local = model.rawEnvironment("AuthorizerFunction");
        assertThat(local).containsEntry(Setting.JWKS_URL.name(), "JwksUrl").containsEntry(Setting.AUTH_MODE.name(), "AuthMode")
                .containsEntry(Setting.JWT_AUDIENCE.name(), "JwtAudience").containsEntry(Setting.JWT_ISSUER.name(), "JwtIssuer");
        // the own issuer's parameters are required only without the pool
        JsonNode rules = template.root().path("Rules");
        assertThat(template.root().path("Parameters").path("JwtIssuer").path("Default").asText()).isEmpty();
        assertThat(rules.path("IssuerNeededWithoutPool").toString()).contains("CreateUserPool", "false", "JwtIssuer");
        assertThat(rules.path("DomainPrefixNeededForPool").toString()).contains("CognitoDomainPrefix");
        assertThat(rules.path("JwksUrlNeededForJwks").toString()).contains("CreateUserPool", "JwksUrl");
    }

    // ------------------------------------------------------------------ the page

    @Test
    void thePageBucketIsPrivateEncryptedAndReadOnlyByTheDistribution() {
        JsonNode bucket = properties("ChatPageBucket", ALL_ON);
        JsonNode block = bucket.path("PublicAccessBlockConfiguration");
        for (String setting : List.of("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")) {
            assertThat(block.path(setting).asText()).as(setting).isEqualTo("true");
        }
        assertThat(bucket.path("BucketEncryption").path("ServerSideEncryptionConfiguration").get(0)
                .path("ServerSideEncryptionByDefault").path("SSEAlgorithm").asText()).isNotBlank();
        assertThat(bucket.path("WebsiteConfiguration").isMissingNode()).as("no public website endpoint").isTrue();

        JsonNode policy = properties("ChatPageBucketPolicy", ALL_ON);
        assertThat(policy.path("Bucket").path("Ref").asText()).isEqualTo("ChatPageBucket");
        int allows = 0;
        boolean tlsOnly = false;
        for (JsonNode s : policy.path("PolicyDocument").path("Statement")) {
            if (s.path("Effect").asText().equals("Allow")) {
                allows++;
                assertThat(s.path("Principal").path("Service").asText()).isEqualTo("cloudfront.amazonaws.com");
                assertThat(texts(s.path("Action"))).containsExactly("s3:GetObject");
                assertThat(s.path("Condition").path("StringEquals").path("AWS:SourceArn").toString())
                        .contains(":distribution/${ChatPageDistribution}");
            } else if (s.path("Condition").path("Bool").path("aws:SecureTransport").asText().equals("false")) {
                tlsOnly = true;
            }
        }
        assertThat(allows).as("one Allow: this distribution's reads").isEqualTo(1);
        assertThat(tlsOnly).as("a Deny of requests without TLS").isTrue();
    }

    @Test
    void theDistributionReadsTheBucketThroughItsOriginAccessControl() {
        JsonNode oac = properties("ChatPageOriginAccessControl", ALL_ON).path("OriginAccessControlConfig");
        assertThat(oac.path("OriginAccessControlOriginType").asText()).isEqualTo("s3");
        assertThat(oac.path("SigningBehavior").asText()).isEqualTo("always");
        assertThat(oac.path("SigningProtocol").asText()).isEqualTo("sigv4");
        // CloudFront takes 64 characters at most; a stack name may have 128, a stack id's UUID has 36.
        assertThat(oac.path("Name").toString()).as("the OAC name").doesNotContain("AWS::StackName").contains("AWS::StackId");

        JsonNode config = properties("ChatPageDistribution", ALL_ON).path("DistributionConfig");
        assertThat(config.path("DefaultRootObject").asText()).isEqualTo("index.html");
        JsonNode origin = config.path("Origins").get(0);
        assertThat(origin.path("DomainName").toString()).contains("ChatPageBucket");
        assertThat(origin.path("OriginAccessControlId").toString()).contains("ChatPageOriginAccessControl");
        assertThat(origin.path("S3OriginConfig").path("OriginAccessIdentity").asText()).as("no legacy OAI").isEmpty();
        assertThat(config.path("DefaultCacheBehavior").path("ViewerProtocolPolicy").asText()).isEqualTo("redirect-to-https");
    }

    @Test
    void theCustomResourceGivesThePageFunctionEveryConfigValueAndOnlyTheBucket() {
        JsonNode files = properties("ChatPageFiles", ALL_ON);
        assertThat(files.path("ServiceToken").path("Ref").asText()).isEqualTo("ChatPageFunction.Alias");
        assertThat(files.path("CodeVersion").path("Ref").asText()).as("new page files: written again")
                .isEqualTo("ChatPageFunction.Version");
        assertThat(files.path("Bucket").path("Ref").asText()).isEqualTo("ChatPageBucket");
        Set<String> names = new HashSet<>();
        files.fieldNames().forEachRemaining(names::add);
        assertThat(names).containsAll(PageConfig.PROPERTIES);
        assertThat(files.path("ClientId").path("Ref").asText()).isEqualTo("UserPoolClient");
        assertThat(properties("ChatPageFiles", Map.of("CreateUserPool", "false")).path("ClientId").path("Ref").asText())
                .isEqualTo("JwtAudience");
        assertThat(files.path("RedirectUri").toString()).contains("ChatPageDistribution.DomainName");
        assertThat(files.path("TokenType").asText()).isEqualTo("id_token");
        assertThat(model.customResourceFunctions()).containsExactly("ChatPageFunction");

        for (JsonNode s : properties("ChatPageFunction", ALL_ON).path("Policies").get(0).path("Statement")) {
            assertThat(s.path("Resource").toString()).as("the page function touches the page bucket only")
                    .contains("ChatPageBucket.Arn");
            assertThat(texts(s.path("Action"))).allSatisfy(a -> assertThat(a).startsWith("s3:"));
        }
    }

    // ------------------------------------------------------------------ first-deploy fixes

    @Test
    void theWebSocketStageDeploysEveryRouteChangeItself() {
        assertThat(model.resources("AWS::ApiGatewayV2::Deployment")).as("no hand-made deployment").isEmpty();
        JsonNode stage = model.resources("AWS::ApiGatewayV2::Stage").get("WebSocketStage");
        assertThat(stage.path("AutoDeploy").asBoolean()).isTrue();
        assertThat(stage.has("DeploymentId")).isFalse();
        Set<String> dependsOn = new HashSet<>(texts(template.root().path("Resources").path("WebSocketStage").path("DependsOn")));
        assertThat(dependsOn).as("the first deployment holds every route")
                .containsAll(model.resources(TemplateModel.ROUTE).keySet());
    }

    @Test
    void noFunctionBehindApiGatewayOutlastsItsTwentyNineSeconds() {
        Set<String> behindApiGateway = new HashSet<>();
        model.routes().forEach(r -> behindApiGateway.add(r.function()));
        behindApiGateway.add(model.authorizerFunction());
        model.httpRoutes().forEach(r -> behindApiGateway.add(r.function()));
        assertThat(behindApiGateway).contains("MessageFunction", "OperatorFunction");
        for (String fn : behindApiGateway) {
            int timeout = model.timeoutSeconds(fn); // a parameter's or mapping's value resolved, as deployed
            assertThat(timeout).as(fn + " Timeout").isLessThanOrEqualTo(29);
        }
    }

    @Test
    void samBuildBuildsEveryFunctionThroughTheMakefile() throws IOException {
        String makefile = Files.readString(root.resolve("Makefile"));
        for (var fn : model.resources(TemplateModel.FUNCTION).entrySet()) {
            JsonNode r = template.root().path("Resources").path(fn.getKey());
            assertThat(r.path("Metadata").path("BuildMethod").asText()).as(fn.getKey()).isEqualTo("makefile");
            assertThat(fn.getValue().path("CodeUri").asText()).as(fn.getKey() + " CodeUri: the Makefile's folder")
                    .isEqualTo(".");
            String module = model.jarOf(fn.getKey()).split("/")[1];
            assertThat(makefile).as("the Makefile's module of " + fn.getKey())
                    .containsPattern("(?m)^MODULE_" + fn.getKey() + " := " + module + "$")
                    .containsPattern("(?m)^MODULES := .*\\b" + module + "\\b");
        }
        // build-<function> copies functions/<module>/target/<module>-lambda.jar, the jar TemplateModel.jarOf names
        assertThat(makefile).contains("build-%: $(STAMP)")
                .contains("cp functions/$(MODULE_$*)/target/$(MODULE_$*)-lambda.jar \"$(ARTIFACTS_DIR)/lib/\"");
        assertThat(Files.readString(root.resolve("samconfig.toml"))).contains("build_in_source = true");
        assertThat(Files.readString(root.resolve("pom.xml"))).as("reproducible jars")
                .containsPattern("<project.build.outputTimestamp>\\d{4}-\\d\\d-\\d\\dT[^<]+</project.build.outputTimestamp>");
        assertThat(Files.readString(root.resolve(".gitignore"))).contains(".aws-sam/");
    }

    @Test
    void ciRunsCfnLintWhereInstalledBeforeTheTests() throws IOException {
        List<String> lines = Files.readAllLines(root.resolve(".ci/run")).stream().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertThat(lines.getLast()).isEqualTo("infra/bin/test");
        assertThat(String.join("\n", lines)).contains("cfn-lint template.yaml");
    }
}
