package dev.switchboard.infra;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.auth.DevTokens;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The local stack's browser chat page: {@code GET /} serves {@code web/index.html} from the classpath,
 * {@code GET /NAME.EXT} the file {@code web/NAME.EXT} (with its content type), anything else is 404. The page talks
 * to the WebSocket API only through docs/protocol.md.
 *
 * <p>{@code GET /config.json} tells the page where to connect and how to sign in (docs/design.md, "The chat page"):
 * {@code {"webSocketUrl":"ws://…","signIn":"dev"}} by default, or the OIDC fields the stack's options give (then the
 * page signs in with the authorization-code flow and PKCE against that issuer, and the token endpoint below is off).
 *
 * <p>{@code GET /dev/token?user=NAME} answers {@code {"token":"…","webSocketUrl":"ws://127.0.0.1:PORT/STAGE"}}: a
 * development token for any user name, no password asked. LOCAL STACK ONLY: this endpoint exists only here, never in
 * template.yaml; on AWS a client gets its token from the identity provider (e.g. Cognito) and no such route exists.
 */
final class WebPages extends Handler.Abstract {
    static final String TOKEN_PATH = "/dev/token";
    private static final Duration TOKEN_LIFETIME = Duration.ofHours(12);
    private static final Pattern USER = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    /** Path segments start with no dot (so no "..") and the name ends in an extension: web/ and nothing outside it. */
    private static final Pattern FILE = Pattern.compile("(?:[A-Za-z0-9_-][A-Za-z0-9._-]*/)*[A-Za-z0-9_-][A-Za-z0-9._-]*\\.[a-z0-9]+");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "json", "application/json",
            "svg", "image/svg+xml",
            "png", "image/png",
            "ico", "image/x-icon");
    /** The token endpoint answers only requests addressed to this machine by name (no DNS rebinding). */
    private static final Set<String> LOCAL_HOSTS = Set.of("127.0.0.1", "localhost", "[::1]", "::1");
    private static final String CONFIG_PATH = "/config.json";
    /** The config.json fields naming an OIDC server the page fetches from (its discovery and token endpoints). */
    private static final List<String> FETCHED = List.of("issuer", "tokenEndpoint");

    private final DevTokens tokens;
    private final String webSocketUrl;
    private final ObjectMapper json = new ObjectMapper();
    private final byte[] config;
    private final boolean devSignIn;
    private final String csp;

    /** {@code pageConfig}: config.json's fields besides webSocketUrl; none means {@code "signIn": "dev"}. */
    WebPages(DevTokens tokens, String webSocketUrl, Map<String, String> pageConfig) {
        this.tokens = tokens;
        this.webSocketUrl = webSocketUrl;
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("webSocketUrl", webSocketUrl);
        fields.put("signIn", "dev");
        fields.putAll(pageConfig);
        devSignIn = "dev".equals(fields.get("signIn"));
        try {
            config = json.writeValueAsBytes(fields);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        StringBuilder connect = new StringBuilder("'self' ws://127.0.0.1:* ws://localhost:*");
        for (String key : FETCHED) {
            String origin = origin(fields.get(key));
            if (origin != null) {
                connect.append(' ').append(origin);
            }
        }
        csp = "default-src 'self'; img-src 'self' data:; connect-src " + connect + "; frame-ancestors 'none'";
    }

    /** {@code scheme://host[:port]} of an http(s) URL, or null. */
    private static String origin(String url) {
        if (url == null) {
            return null;
        }
        URI uri = URI.create(url);
        if (!Set.of("http", "https").contains(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("not an http(s) URL in the page config: " + url);
        }
        return uri.getScheme() + "://" + uri.getRawAuthority();
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!"GET".equals(request.getMethod())) {
            response.getHeaders().put("Allow", "GET");
            return text(response, callback, 405, "Method not allowed");
        }
        String path = Request.getPathInContext(request);
        if (TOKEN_PATH.equals(path) && devSignIn) {
            return token(request, response, callback);
        }
        if (CONFIG_PATH.equals(path)) {
            response.setStatus(200);
            response.getHeaders().put("Content-Type", "application/json");
            response.getHeaders().put("Cache-Control", "no-cache");
            response.write(true, ByteBuffer.wrap(config), callback);
            return true;
        }
        String name = "/".equals(path) ? "index.html" : path.substring(1);
        String type = TYPES.get(name.substring(name.lastIndexOf('.') + 1));
        byte[] body = FILE.matcher(name).matches() && type != null ? resource("web/" + name) : null;
        if (body == null) {
            return text(response, callback, 404, "Not found");
        }
        response.setStatus(200);
        response.getHeaders().put("Content-Type", type);
        response.getHeaders().put("Cache-Control", "no-cache");
        response.getHeaders().put("X-Content-Type-Options", "nosniff");
        if (type.startsWith("text/html")) {
            response.getHeaders().put("Content-Security-Policy", csp);
            response.getHeaders().put("Referrer-Policy", "no-referrer");
        }
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
    }

    private boolean token(Request request, Response response, Callback callback) throws IOException {
        if (!LOCAL_HOSTS.contains(Request.getServerName(request))) {
            return text(response, callback, 403, "The development token endpoint answers only on 127.0.0.1 or localhost");
        }
        String user = Request.extractQueryParameters(request).getValue("user");
        Map<String, String> out = new LinkedHashMap<>();
        int status;
        if (user == null || !USER.matcher(user).matches()) {
            status = 400;
            out.put("error", "user must be 1-64 characters of A-Z a-z 0-9 . _ -");
        } else {
            status = 200;
            out.put("token", tokens.issue(user, TOKEN_LIFETIME));
            out.put("webSocketUrl", webSocketUrl);
        }
        response.setStatus(status);
        response.getHeaders().put("Content-Type", "application/json");
        response.getHeaders().put("Cache-Control", "no-store");
        response.write(true, ByteBuffer.wrap(json.writeValueAsBytes(out)), callback);
        return true;
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = WebPages.class.getClassLoader().getResourceAsStream(name)) {
            return in == null ? null : in.readAllBytes();
        }
    }

    private static boolean text(Response response, Callback callback, int status, String message) {
        response.setStatus(status);
        response.getHeaders().put("Content-Type", "text/plain; charset=utf-8");
        Content.Sink.write(response, true, message + "\n", callback);
        return true;
    }
}
