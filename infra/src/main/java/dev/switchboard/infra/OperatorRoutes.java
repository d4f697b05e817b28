package dev.switchboard.infra;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local stand-in for the operator HTTP API (API Gateway HTTP API, payload format 2.0), on the gateway's Jetty
 * server under {@value #PREFIX}: {@code http://127.0.0.1:PORT/ops/health} is {@code GET /health} of the API. Routes
 * come from template.yaml (the functions' {@code HttpApi} events); each request becomes an
 * {@link APIGatewayV2HTTPEvent} with the route key, path parameters, lower-cased headers and the query, and the
 * function's {@link APIGatewayV2HTTPResponse} becomes the HTTP response. Like API Gateway it answers 404
 * {@code {"message":"Not Found"}} for a request no route matches and 500 {@code {"message":"Internal Server Error"}}
 * when the function fails. Requests outside {@value #PREFIX} are left to the next handler.
 */
final class OperatorRoutes extends Handler.Abstract {
    static final String PREFIX = "/ops";
    private static final Logger LOG = LoggerFactory.getLogger(OperatorRoutes.class);
    private static final Pattern PARAM = Pattern.compile("\\{([A-Za-z0-9_]+)(\\+?)}");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT);
    /** API Gateway HTTP APIs take request bodies up to 10 MB. */
    private static final int MAX_BODY_BYTES = 10 * 1024 * 1024;

    private record Compiled(TemplateModel.HttpRoute route, Pattern pattern, List<String> params) {}

    private final FunctionHost functions;
    private final List<Compiled> routes = new ArrayList<>();

    OperatorRoutes(FunctionHost functions, TemplateModel template) {
        this.functions = functions;
        for (TemplateModel.HttpRoute r : template.httpRoutes()) {
            List<String> params = new ArrayList<>();
            StringBuilder regex = new StringBuilder("^");
            Matcher m = PARAM.matcher(r.path());
            int last = 0;
            while (m.find()) {
                regex.append(Pattern.quote(r.path().substring(last, m.start())));
                regex.append(m.group(2).isEmpty() ? "([^/]+)" : "(.+)");
                params.add(m.group(1));
                last = m.end();
            }
            regex.append(Pattern.quote(r.path().substring(last))).append("$");
            routes.add(new Compiled(r, Pattern.compile(regex.toString()), params));
        }
    }

    /** The base URL of the operator API on a gateway listening on {@code port}. */
    static String baseUrl(int port) {
        return "http://127.0.0.1:" + port + PREFIX;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String decoded = request.getHttpURI().getDecodedPath();
        if (decoded == null || !(decoded.equals(PREFIX) || decoded.startsWith(PREFIX + "/"))) {
            return false;
        }
        String path = decoded.length() == PREFIX.length() ? "/" : decoded.substring(PREFIX.length());
        String method = request.getMethod().toUpperCase(Locale.ROOT);
        for (Compiled c : routes) {
            Matcher m = c.pattern().matcher(path);
            if (!m.matches() || !(c.route().method().equals(method) || c.route().method().equals("ANY"))) {
                continue;
            }
            Map<String, String> pathParameters = new LinkedHashMap<>();
            for (int i = 0; i < c.params().size(); i++) {
                pathParameters.put(c.params().get(i), m.group(i + 1));
            }
            APIGatewayV2HTTPEvent event;
            try {
                event = event(request, c.route(), path, pathParameters);
            } catch (IllegalArgumentException e) {
                return reply(response, callback, 413, "{\"message\":\"Request Entity Too Large\"}");
            }
            try {
                APIGatewayV2HTTPResponse r = functions.invoke(c.route().function(), event);
                return write(response, callback, r);
            } catch (RuntimeException | Error e) {
                LOG.error("operator route {} failed", c.route().routeKey(), e);
                return reply(response, callback, 500, "{\"message\":\"Internal Server Error\"}");
            }
        }
        return reply(response, callback, 404, "{\"message\":\"Not Found\"}");
    }

    private static APIGatewayV2HTTPEvent event(Request request, TemplateModel.HttpRoute route, String path,
                                               Map<String, String> pathParameters) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (HttpField f : request.getHeaders()) {
            headers.merge(f.getName().toLowerCase(Locale.ROOT), f.getValue(), (a, b) -> a + "," + b);
        }
        String rawQuery = request.getHttpURI().getQuery();
        Map<String, String> query = LocalGateway.query(rawQuery);
        ByteBuffer data;
        try {
            data = Content.Source.asByteBuffer(request);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read the request body", e);
        }
        if (data.remaining() > MAX_BODY_BYTES) {
            throw new IllegalArgumentException("request body over 10 MB");
        }
        String body = data.hasRemaining() ? StandardCharsets.UTF_8.decode(data).toString() : null;
        long now = System.currentTimeMillis();

        var http = new APIGatewayV2HTTPEvent.RequestContext.Http();
        http.setMethod(request.getMethod().toUpperCase(Locale.ROOT));
        http.setPath(path);
        http.setProtocol(request.getConnectionMetaData().getProtocol());
        http.setSourceIp(Request.getRemoteAddr(request));
        http.setUserAgent(request.getHeaders().get("User-Agent"));
        var rc = new APIGatewayV2HTTPEvent.RequestContext();
        rc.setAccountId("000000000000");
        rc.setApiId("local-ops");
        rc.setDomainName(Request.getServerName(request) + ":" + Request.getServerPort(request));
        rc.setDomainPrefix("local-ops");
        rc.setHttp(http);
        rc.setRequestId(UUID.randomUUID().toString());
        rc.setRouteKey(route.routeKey());
        rc.setStage("$default");
        rc.setTime(ZonedDateTime.now(ZoneOffset.UTC).format(TIME));
        rc.setTimeEpoch(now);

        var e = new APIGatewayV2HTTPEvent();
        e.setVersion("2.0");
        e.setRouteKey(route.routeKey());
        e.setRawPath(path);
        e.setRawQueryString(rawQuery == null ? "" : rawQuery);
        e.setHeaders(headers);
        e.setQueryStringParameters(query.isEmpty() ? null : query);
        e.setPathParameters(pathParameters.isEmpty() ? null : pathParameters);
        e.setRequestContext(rc);
        e.setBody(body);
        e.setIsBase64Encoded(false);
        return e;
    }

    private static boolean write(Response response, Callback callback, APIGatewayV2HTTPResponse r) {
        if (r == null) {
            return reply(response, callback, 500, "{\"message\":\"Internal Server Error\"}");
        }
        response.setStatus(r.getStatusCode() == 0 ? 200 : r.getStatusCode());
        if (r.getHeaders() != null) {
            r.getHeaders().forEach((k, v) -> response.getHeaders().put(k, v));
        }
        if (r.getMultiValueHeaders() != null) {
            r.getMultiValueHeaders().forEach((k, vs) -> vs.forEach(v -> response.getHeaders().add(k, v)));
        }
        if (r.getBody() == null) {
            response.write(true, ByteBuffer.allocate(0), callback);
            return true;
        }
        byte[] bytes = r.getIsBase64Encoded() ? Base64.getDecoder().decode(r.getBody())
                : r.getBody().getBytes(StandardCharsets.UTF_8);
        response.write(true, ByteBuffer.wrap(bytes), callback);
        return true;
    }

    private static boolean reply(Response response, Callback callback, int status, String body) {
        response.setStatus(status);
        response.getHeaders().put("Content-Type", "application/json");
        Content.Sink.write(response, true, body, callback);
        return true;
    }
}
