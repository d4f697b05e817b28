package dev.switchboard.infra;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test-only OpenID Connect provider for the chat page's sign-in (BrowserOidcSignInIT): one client, one redirect
 * URI, one fixed user, no login form. It answers as Cognito's hosted UI does for a user who is signed in already:
 * <ul>
 *   <li>{@code GET /.well-known/openid-configuration}: the discovery document;</li>
 *   <li>{@code GET /authorize}: checks {@code response_type=code}, the client id, the redirect URI, a {@code state}
 *   and an S256 {@code code_challenge}, then redirects back with a one-time code (any failed check: HTTP 400, no
 *   redirect);</li>
 *   <li>{@code POST /token}: {@code authorization_code} (checks the code, client, redirect URI and that the
 *   {@code code_verifier} hashes to the challenge) or {@code refresh_token}; answers an RS256 {@code id_token} (with
 *   the nonce of the authorization, {@code aud} = the client id), an {@code access_token} and, for a code, a
 *   {@code refresh_token}, each valid for the configured lifetime;</li>
 *   <li>{@code GET /jwks}: the public key; {@code GET /logout}: redirects to {@code logout_uri}.</li>
 * </ul>
 * The token and discovery answers carry {@code Access-Control-Allow-Origin: *}, as the page fetches them from its own
 * origin.
 */
final class TestOidcProvider implements AutoCloseable {
    static final String USER = "oidc-user-1";
    static final String EMAIL = "ada@example.com";

    private record Authorization(String challenge, String nonce, String redirectUri) {}

    private final HttpServer server;
    private final String clientId;
    private final String redirectUri;
    private final Duration lifetime;
    private final RSAKey key;
    private final ObjectMapper json = new ObjectMapper();
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Authorization> codes = new ConcurrentHashMap<>();
    private final Map<String, String> refreshed = new ConcurrentHashMap<>();
    private final AtomicInteger authorizations = new AtomicInteger();
    private final AtomicInteger codeGrants = new AtomicInteger();
    private final AtomicInteger refreshGrants = new AtomicInteger();
    private final AtomicInteger logouts = new AtomicInteger();
    private final List<String> issued = new CopyOnWriteArrayList<>();
    private volatile boolean refreshTokens = true;
    private volatile boolean refuseRefreshes;
    private final AtomicInteger refusedRefreshes = new AtomicInteger();

    private TestOidcProvider(String clientId, String redirectUri, Duration lifetime) {
        this.clientId = clientId;
        this.redirectUri = redirectUri;
        this.lifetime = lifetime;
        try {
            key = new RSAKeyGenerator(2048).keyID("test-" + UUID.randomUUID()).generate();
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::handle);
        server.start();
    }

    /** A provider for one client whose tokens live {@code lifetime}. */
    static TestOidcProvider start(String clientId, String redirectUri, Duration lifetime) {
        return new TestOidcProvider(clientId, redirectUri, lifetime);
    }

    String issuer() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    String jwksUrl() {
        return issuer() + "/jwks";
    }

    /** Whether a code grant answers a refresh token too (as Cognito does; some issuers don't for a public client). */
    void issueRefreshTokens(boolean on) {
        refreshTokens = on;
    }

    /** Whether refresh grants fail for now (HTTP 503), as when the issuer cannot be reached. */
    void refuseRefreshes(boolean on) {
        refuseRefreshes = on;
    }

    int refusedRefreshes() {
        return refusedRefreshes.get();
    }

    int authorizations() {
        return authorizations.get();
    }

    int codeGrants() {
        return codeGrants.get();
    }

    int refreshGrants() {
        return refreshGrants.get();
    }

    int logouts() {
        return logouts.get();
    }

    /** Every token this provider issued (id, access and refresh tokens), to look for them where they must not be. */
    List<String> issuedTokens() {
        return List.copyOf(issued);
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            exchange.getResponseHeaders().add("Access-Control-Allow-Origin", "*");
            exchange.getResponseHeaders().add("Cache-Control", "no-store");
            if ("GET".equals(method) && "/.well-known/openid-configuration".equals(path)) {
                send(exchange, 200, discovery());
            } else if ("GET".equals(method) && "/jwks".equals(path)) {
                send(exchange, 200, new JWKSet(key.toPublicJWK()).toJSONObject());
            } else if ("GET".equals(method) && "/authorize".equals(path)) {
                authorize(exchange, query(exchange.getRequestURI().getRawQuery()));
            } else if ("POST".equals(method) && "/token".equals(path)) {
                token(exchange, query(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            } else if ("GET".equals(method) && "/logout".equals(path)) {
                logouts.incrementAndGet();
                String back = query(exchange.getRequestURI().getRawQuery()).get("logout_uri");
                if (back == null || !back.equals(redirectUri)) {
                    send(exchange, 400, Map.of("error", "invalid_request"));
                } else {
                    redirect(exchange, back);
                }
            } else {
                send(exchange, 404, Map.of("error", "not_found"));
            }
        }
    }

    private Map<String, Object> discovery() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("issuer", issuer());
        d.put("authorization_endpoint", issuer() + "/authorize");
        d.put("token_endpoint", issuer() + "/token");
        d.put("jwks_uri", jwksUrl());
        d.put("response_types_supported", List.of("code"));
        d.put("subject_types_supported", List.of("public"));
        d.put("id_token_signing_alg_values_supported", List.of("RS256"));
        d.put("code_challenge_methods_supported", List.of("S256"));
        return d;
    }

    private void authorize(HttpExchange exchange, Map<String, String> q) throws IOException {
        String problem = !"code".equals(q.get("response_type")) ? "response_type must be code"
                : !clientId.equals(q.get("client_id")) ? "unknown client_id"
                : !redirectUri.equals(q.get("redirect_uri")) ? "redirect_uri is not registered"
                : !"S256".equals(q.get("code_challenge_method")) ? "code_challenge_method must be S256"
                : q.get("code_challenge") == null || q.get("code_challenge").length() != 43 ? "no S256 code_challenge"
                : q.get("state") == null ? "no state"
                : !q.getOrDefault("scope", "").contains("openid") ? "scope lacks openid"
                : null;
        if (problem != null) {
            send(exchange, 400, Map.of("error", "invalid_request", "error_description", problem));
            return;
        }
        authorizations.incrementAndGet();
        String code = randomToken();
        codes.put(code, new Authorization(q.get("code_challenge"), q.get("nonce"), q.get("redirect_uri")));
        redirect(exchange, redirectUri + "?code=" + encode(code) + "&state=" + encode(q.get("state")));
    }

    private void token(HttpExchange exchange, Map<String, String> form) throws IOException {
        if (!clientId.equals(form.get("client_id"))) {
            send(exchange, 401, Map.of("error", "invalid_client"));
            return;
        }
        switch (form.getOrDefault("grant_type", "")) {
            case "authorization_code" -> {
                Authorization a = form.get("code") == null ? null : codes.remove(form.get("code"));
                if (a == null || !a.redirectUri().equals(form.get("redirect_uri"))
                        || form.get("code_verifier") == null || !a.challenge().equals(s256(form.get("code_verifier")))) {
                    send(exchange, 400, Map.of("error", "invalid_grant"));
                    return;
                }
                codeGrants.incrementAndGet();
                Map<String, Object> body = tokens(a.nonce());
                if (refreshTokens) {
                    String refresh = randomToken();
                    refreshed.put(refresh, USER);
                    issued.add(refresh);
                    body.put("refresh_token", refresh);
                }
                send(exchange, 200, body);
            }
            case "refresh_token" -> {
                if (refuseRefreshes) {
                    refusedRefreshes.incrementAndGet();
                    send(exchange, 503, Map.of("error", "temporarily_unavailable"));
                    return;
                }
                if (form.get("refresh_token") == null || !refreshed.containsKey(form.get("refresh_token"))) {
                    send(exchange, 400, Map.of("error", "invalid_grant"));
                    return;
                }
                refreshGrants.incrementAndGet();
                send(exchange, 200, tokens(null)); // as Cognito: the refresh token stays the same
            }
            default -> send(exchange, 400, Map.of("error", "unsupported_grant_type"));
        }
    }

    private Map<String, Object> tokens(String nonce) {
        Instant now = Instant.now();
        JWTClaimsSet.Builder id = claims(now).audience(clientId).claim("email", EMAIL).claim("token_use", "id");
        if (nonce != null) {
            id.claim("nonce", nonce);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id_token", sign(id.build()));
        body.put("access_token", sign(claims(now).claim("client_id", clientId).claim("token_use", "access")
                .claim("scope", "openid email profile").build()));
        body.put("token_type", "Bearer");
        body.put("expires_in", lifetime.toSeconds());
        return body;
    }

    private JWTClaimsSet.Builder claims(Instant now) {
        return new JWTClaimsSet.Builder().issuer(issuer()).subject(USER).issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(lifetime))).jwtID(UUID.randomUUID().toString());
    }

    private String sign(JWTClaimsSet claims) {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID())
                .type(JOSEObjectType.JWT).build(), claims);
        try {
            jwt.sign(new RSASSASigner(key));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        String token = jwt.serialize();
        issued.add(token);
        return token;
    }

    private String randomToken() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String s256(String verifier) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            out.put(name, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static void redirect(HttpExchange exchange, String location) throws IOException {
        exchange.getResponseHeaders().add("Location", URI.create(location).toString());
        exchange.sendResponseHeaders(302, -1);
    }

    private void send(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = json.writeValueAsBytes(body);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }
}
