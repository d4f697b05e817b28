package dev.switchboard.authorizer;

import dev.switchboard.runtime.Priming;
import dev.switchboard.config.Setting;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayCustomAuthorizerEvent;
import com.amazonaws.services.lambda.runtime.events.IamPolicyResponse;
import dev.switchboard.auth.TokenVerifier;
import dev.switchboard.adapter.secretsmanager.SecretsManagerSecretSource;
import dev.switchboard.config.Env;
import dev.switchboard.config.Secrets;
import dev.switchboard.log.LogContext;
import dev.switchboard.runtime.RequestIds;
import dev.switchboard.runtime.WebSocketEvents;
import dev.switchboard.usecase.AuthorizeConnection;
import java.util.List;
import java.util.Map;
import org.crac.Core;
import org.crac.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** $connect REQUEST authorizer: allows the handshake for a valid bearer JWT and puts the user id in the context. */
public final class AuthorizerHandler implements RequestHandler<APIGatewayCustomAuthorizerEvent, IamPolicyResponse>, Resource {
    public static final List<String> REQUIRED_ENV = List.of(Setting.JWT_ISSUER.name());
    private static final Logger LOG = LoggerFactory.getLogger(AuthorizerHandler.class);

    private final AuthorizeConnection authorize;
    /** The HS256 secret, when it comes from Secrets Manager: read again after a restore. */
    private final Secrets secrets;

    /** Lambda's entry point: the composition root. */
    public AuthorizerHandler() {
        this(Env.system());
    }

    public AuthorizerHandler(Env env) {
        this(env, SecretsManagerSecretSource.secretsOf(env));
        Core.getGlobalContext().register(this);
    }

    private AuthorizerHandler(Env env, Secrets secrets) {
        this(new AuthorizeConnection(TokenVerifier.fromEnv(env, secrets)), secrets);
    }

    public AuthorizerHandler(AuthorizeConnection authorize) {
        this(authorize, Secrets.none());
    }

    AuthorizerHandler(AuthorizeConnection authorize, Secrets secrets) {
        this.authorize = authorize;
        this.secrets = secrets;
    }

    @Override
    public IamPolicyResponse handleRequest(APIGatewayCustomAuthorizerEvent event, Context context) {
        try (var log = RequestIds.of(event).open()) {
            String resource = event.getMethodArn() == null ? "*" : event.getMethodArn();
            return switch (authorize.authorize(event.getHeaders(), event.getQueryStringParameters())) {
                case AuthorizeConnection.Decision.Allow allow -> {
                    LOG.info("connection allowed for user {}", LogContext.hashUser(allow.user().userId()));
                    yield policy(allow.user().userId(), IamPolicyResponse.ALLOW, resource,
                            Map.of(WebSocketEvents.USER_ID, allow.user().userId(),
                                    WebSocketEvents.EXPIRES_AT, allow.user().expiresAtEpochSeconds()));
                }
                case AuthorizeConnection.Decision.Deny deny -> {
                    LOG.info("connection refused: {}", deny.reason());
                    yield policy("anonymous", IamPolicyResponse.DENY, resource, Map.of());
                }
            };
        }
    }

    private static IamPolicyResponse policy(String principal, String effect, String resource,
                                            Map<String, Object> context) {
        return IamPolicyResponse.builder()
                .withPrincipalId(principal)
                .withPolicyDocument(IamPolicyResponse.PolicyDocument.builder()
                        .withVersion(IamPolicyResponse.VERSION_2012_10_17)
                        .withStatement(List.of(IamPolicyResponse.Statement.builder()
                                .withAction(IamPolicyResponse.EXECUTE_API_INVOKE)
                                .withEffect(effect)
                                .withResource(List.of(resource))
                                .build()))
                        .build())
                .withContext(context)
                .build();
    }

    /** Primes the verifier's classes with a token that is refused; nothing is stored. */
    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        prime();
    }

    /** The priming steps; returns how many failed (logged, never thrown: see {@link Priming}). */
    int prime() {
        return Priming.run("authorizer", () -> {
            var e = new APIGatewayCustomAuthorizerEvent();
            e.setQueryStringParameters(Map.of("token", "e30.e30.priming"));
            handleRequest(e, null);
        });
    }

    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        // the snapshot's secret may have been rotated since; the JWKS source refetches keys on its own schedule
        secrets.refresh();
    }
}
