package dev.switchboard.infra;

import dev.switchboard.protocol.Headers;
import com.amazonaws.services.lambda.runtime.events.APIGatewayCustomAuthorizerEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketResponse;
import com.amazonaws.services.lambda.runtime.events.IamPolicyResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.protocol.Limits;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.pathmap.PathSpec;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.PathMappingsHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.server.ServerUpgradeResponse;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local stand-in for API Gateway's WebSocket API, built from template.yaml's routes: a real WebSocket server at
 * {@code ws://127.0.0.1:PORT/STAGE} that runs the REQUEST authorizer and $connect at the handshake, selects a route
 * per frame by {@code $request.body.action} (else {@code $default}), returns two-way routes' responses to the client,
 * runs $disconnect on close, closes a connection with 1009 for a message over 128 KB, and serves the @connections
 * callback API (POST, GET, DELETE {@code /STAGE/@connections/{id}}) that the worker reaches through the AWS SDK.
 * Other HTTP paths go to the handlers the stack mounts by Jetty path spec: the chat page at {@code /} and the
 * operator HTTP API under {@code /ops} ({@link OperatorRoutes}).
 */
public final class LocalGateway implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalGateway.class);
    private static final String API_ID = "local";

    private final FunctionHost functions;
    private final String stage;
    private final String authorizerFunction;
    private final Map<String, TemplateModel.Route> routes = new HashMap<>();
    private final Map<String, Conn> connections = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final ObjectMapper json = new ObjectMapper();
    private final Server server;
    private final int port;
    /** API Gateway invokes the integration of each frame on its own, so frames of one connection run concurrently. */
    private final java.util.concurrent.ExecutorService invocations =
            java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();

    /** One open connection, as API Gateway tracks it. */
    private static final class Conn {
        final String id;
        final Map<String, Object> authorizer;
        final long connectedAt = System.currentTimeMillis();
        final String sourceIp;
        final String userAgent;
        volatile long lastActiveAt = connectedAt;
        volatile Session session;

        Conn(String id, Map<String, Object> authorizer, String sourceIp, String userAgent) {
            this.id = id;
            this.authorizer = authorizer;
            this.sourceIp = sourceIp;
            this.userAgent = userAgent;
        }
    }

    /**
     * @param mounts more HTTP handlers by Jetty path spec ({@code "/ops/*"} a prefix, {@code "/"} everything not
     *               mapped otherwise); the WebSocket upgrade on /STAGE and /STAGE/@connections/* stay the gateway's
     */
    LocalGateway(FunctionHost functions, TemplateModel template, String stage, int port, Map<String, Handler> mounts) {
        this.functions = functions;
        this.stage = stage;
        this.authorizerFunction = template.authorizerFunction();
        template.routes().forEach(r -> routes.put(r.routeKey(), r));
        for (String required : List.of("$connect", "$disconnect", "$default")) {
            if (!routes.containsKey(required)) {
                throw new IllegalStateException("template.yaml has no " + required + " route");
            }
        }
        this.server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        WebSocketUpgradeHandler ws = WebSocketUpgradeHandler.from(server, container -> {
            container.setMaxTextMessageSize(Limits.MAX_FRAME_BYTES);
            container.setMaxBinaryMessageSize(Limits.MAX_FRAME_BYTES);
            container.setIdleTimeout(Duration.ofMinutes(10));
            container.addMapping("/" + stage, this::upgrade);
        });
        PathMappingsHandler paths = new PathMappingsHandler();
        paths.addMapping(PathSpec.from("/" + stage + "/@connections/*"), new ConnectionsApi());
        mounts.forEach((spec, handler) -> paths.addMapping(PathSpec.from(spec), handler));
        ws.setHandler(paths);
        server.setHandler(ws);
        try {
            server.start();
        } catch (Exception e) {
            throw new IllegalStateException("the local WebSocket gateway did not start on port " + port + ": " + e, e);
        }
        this.port = connector.getLocalPort();
    }

    int port() {
        return port;
    }

    String webSocketUrl() {
        return "ws://127.0.0.1:" + port + "/" + stage;
    }

    String callbackUrl() {
        return "http://127.0.0.1:" + port + "/" + stage;
    }

    int openConnections() {
        return connections.size();
    }

    // ---- handshake: authorizer, then $connect ----

    private Object upgrade(ServerUpgradeRequest request, ServerUpgradeResponse response, Callback callback) {
        String connectionId = newConnectionId();
        Map<String, String> headers = headers(request);
        Map<String, String> query = query(request.getHttpURI().getQuery());

        APIGatewayCustomAuthorizerEvent auth = new APIGatewayCustomAuthorizerEvent();
        auth.setType("REQUEST");
        auth.setMethodArn("arn:aws:execute-api:us-east-1:000000000000:" + API_ID + "/" + stage + "/$connect");
        auth.setHeaders(headers);
        auth.setQueryStringParameters(query);
        auth.setStageVariables(Map.of());
        APIGatewayCustomAuthorizerEvent.RequestContext authContext = new APIGatewayCustomAuthorizerEvent.RequestContext();
        authContext.setStage(stage);
        authContext.setApiId(API_ID);
        authContext.setRequestId(UUID.randomUUID().toString());
        auth.setRequestContext(authContext);
        IamPolicyResponse policy;
        try {
            policy = functions.invoke(authorizerFunction, auth);
        } catch (RuntimeException e) {
            LOG.error("authorizer failed", e);
            Response.writeError(request, response, callback, 500);
            return null;
        }
        if (!allows(policy)) {
            Response.writeError(request, response, callback, 403);
            return null;
        }
        Map<String, Object> authorizer = new LinkedHashMap<>(policy.getContext() == null ? Map.of() : policy.getContext());
        authorizer.put("principalId", policy.getPrincipalId());

        String sourceIp = request.getConnectionMetaData().getRemoteSocketAddress() instanceof InetSocketAddress a
                ? a.getAddress().getHostAddress() : "127.0.0.1";
        Conn conn = new Conn(connectionId, Map.copyOf(authorizer), sourceIp, headers.getOrDefault("User-Agent", ""));
        APIGatewayV2WebSocketResponse connected;
        try {
            connected = functions.invoke(routes.get("$connect").function(),
                    event(conn, "$connect", "CONNECT", headers, query, null));
        } catch (RuntimeException | Error e) {
            LOG.error("$connect failed", e);
            Response.writeError(request, response, callback, 500);
            return null;
        }
        int status = connected == null ? 200 : connected.getStatusCode();
        if (status < 200 || status >= 300) {
            Response.writeError(request, response, callback, status);
            return null;
        }
        String protocol = connected == null ? null : Headers.get(connected.getHeaders(), "sec-websocket-protocol");
        if (protocol != null) {
            response.setAcceptedSubProtocol(protocol);
        }
        return new Endpoint(conn);
    }

    private static boolean allows(IamPolicyResponse policy) {
        if (policy == null || policy.getPolicyDocument() == null) {
            return false;
        }
        Object statements = policy.getPolicyDocument().get("Statement");
        Iterable<?> list = statements instanceof Object[] array ? List.of(array)
                : statements instanceof Iterable<?> it ? it : List.of();
        boolean allow = false;
        for (Object s : list) {
            Object effect = s instanceof Map<?, ?> m ? m.get("Effect")
                    : s instanceof IamPolicyResponse.Statement st ? st.getEffect() : null;
            if ("Deny".equals(effect)) {
                return false;
            }
            allow |= "Allow".equals(effect);
        }
        return allow;
    }

    // ---- frames: route selection, two-way responses, $disconnect ----

    public final class Endpoint implements Session.Listener.AutoDemanding {
        private final Conn conn;

        Endpoint(Conn conn) {
            this.conn = conn;
        }

        @Override
        public void onWebSocketOpen(Session session) {
            conn.session = session;
            connections.put(conn.id, conn);
        }

        @Override
        public void onWebSocketText(String message) {
            conn.lastActiveAt = System.currentTimeMillis();
            invocations.execute(() -> route(message));
        }

        private void route(String message) {
            TemplateModel.Route route = routes.get(selectRoute(message));
            APIGatewayV2WebSocketEvent event = event(conn, route.routeKey(), "MESSAGE", null, null, message);
            String reply;
            try {
                APIGatewayV2WebSocketResponse r = functions.invoke(route.function(), event);
                reply = route.twoWay() && r != null ? r.getBody() : null;
                int bytes = reply == null ? 0 : reply.getBytes(StandardCharsets.UTF_8).length;
                if (bytes > Limits.MAX_FRAME_BYTES) {
                    LOG.error("route {} returned {} bytes, over the 128 KB message limit", route.routeKey(), bytes);
                    reply = internalError(event);
                }
            } catch (RuntimeException | Error e) {
                LOG.error("route {} failed", route.routeKey(), e);
                reply = internalError(event);
            }
            if (reply != null) {
                send(conn, reply);
            }
        }

        /** API Gateway's WebSocket routes take text; a binary frame closes the connection (1003, unsupported data). */
        @Override
        public void onWebSocketBinary(ByteBuffer payload, org.eclipse.jetty.websocket.api.Callback callback) {
            callback.succeed();
            Session s = conn.session;
            if (s != null) {
                s.close(1003, "binary frames are not supported", org.eclipse.jetty.websocket.api.Callback.NOOP);
            }
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason) {
            if (connections.remove(conn.id) == null) {
                return;
            }
            try {
                functions.invoke(routes.get("$disconnect").function(),
                        event(conn, "$disconnect", "DISCONNECT", null, null, null));
            } catch (RuntimeException e) {
                LOG.error("$disconnect failed", e);
            }
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            LOG.debug("connection {} error: {}", conn.id, cause.toString());
        }
    }

    private static String internalError(APIGatewayV2WebSocketEvent event) {
        return "{\"message\":\"Internal server error\",\"connectionId\":\"" + event.getRequestContext().getConnectionId()
                + "\",\"requestId\":\"" + event.getRequestContext().getRequestId() + "\"}";
    }

    /** API Gateway's selection for {@code $request.body.action}: the action's route if there is one, else $default. */
    String selectRoute(String body) {
        try {
            JsonNode node = json.readTree(body);
            JsonNode action = node == null ? null : node.get("action");
            if (action != null && action.isTextual() && !action.asText().startsWith("$")
                    && routes.containsKey(action.asText())) {
                return action.asText();
            }
        } catch (Exception e) {
            // not JSON: $default
        }
        return "$default";
    }

    private APIGatewayV2WebSocketEvent event(Conn conn, String routeKey, String eventType, Map<String, String> headers,
                                             Map<String, String> query, String body) {
        APIGatewayV2WebSocketEvent.RequestContext rc = new APIGatewayV2WebSocketEvent.RequestContext();
        rc.setRouteKey(routeKey);
        rc.setEventType(eventType);
        rc.setConnectionId(conn.id);
        rc.setConnectedAt(conn.connectedAt);
        rc.setRequestId(UUID.randomUUID().toString());
        rc.setMessageId("MESSAGE".equals(eventType) ? UUID.randomUUID().toString() : null);
        rc.setMessageDirection("IN");
        rc.setRequestTimeEpoch(System.currentTimeMillis());
        rc.setDomainName("127.0.0.1:" + port);
        rc.setStage(stage);
        rc.setApiId(API_ID);
        rc.setAuthorizer(conn.authorizer);
        APIGatewayV2WebSocketEvent.RequestIdentity identity = new APIGatewayV2WebSocketEvent.RequestIdentity();
        identity.setSourceIp(conn.sourceIp);
        identity.setUserAgent(conn.userAgent);
        rc.setIdentity(identity);
        APIGatewayV2WebSocketEvent e = new APIGatewayV2WebSocketEvent();
        e.setRequestContext(rc);
        e.setHeaders(headers);
        e.setQueryStringParameters(query);
        e.setBody(body);
        e.setIsBase64Encoded(false);
        return e;
    }

    /** Frames to one connection go out one at a time, in call order; returns false when the connection is gone. */
    private boolean send(Conn conn, String text) {
        Session s = conn.session;
        if (s == null || !s.isOpen()) {
            return false;
        }
        synchronized (conn) {
            var done = new org.eclipse.jetty.websocket.api.Callback.Completable();
            s.sendText(text, done);
            try {
                done.get(10, TimeUnit.SECONDS);
                return true;
            } catch (Exception e) {
                LOG.debug("send to {} failed: {}", conn.id, e.toString());
                return false;
            }
        }
    }

    // ---- @connections callback API ----

    private final class ConnectionsApi extends Handler.Abstract {
        private static final String MARK = "/@connections/";

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            String path = request.getHttpURI().getDecodedPath();
            int i = path.indexOf(MARK);
            if (i < 0) {
                return reply(response, callback, 404, "NotFoundException", "{\"message\":\"Not Found\"}");
            }
            String id = path.substring(i + MARK.length());
            Conn conn = connections.get(id);
            if (conn == null) {
                return reply(response, callback, 410, "GoneException", "{\"message\":null}");
            }
            switch (request.getMethod()) {
                case "POST" -> {
                    ByteBuffer data = Content.Source.asByteBuffer(request);
                    if (data.remaining() > Limits.MAX_FRAME_BYTES) {
                        return reply(response, callback, 413, "PayloadTooLargeException",
                                "{\"message\":\"Message too long\"}");
                    }
                    if (!send(conn, StandardCharsets.UTF_8.decode(data).toString())) {
                        return reply(response, callback, 410, "GoneException", "{\"message\":null}");
                    }
                    return reply(response, callback, 200, null, "");
                }
                case "GET" -> {
                    return reply(response, callback, 200, null, "{\"connectedAt\":\""
                            + Instant.ofEpochMilli(conn.connectedAt) + "\",\"identity\":{\"sourceIp\":\""
                            + conn.sourceIp + "\",\"userAgent\":" + json.writeValueAsString(conn.userAgent)
                            + "},\"lastActiveAt\":\"" + Instant.ofEpochMilli(conn.lastActiveAt) + "\"}");
                }
                case "DELETE" -> {
                    Session s = conn.session;
                    if (s != null) {
                        s.close(1000, "closed by @connections DELETE", org.eclipse.jetty.websocket.api.Callback.NOOP);
                    }
                    return reply(response, callback, 204, null, "");
                }
                default -> {
                    return reply(response, callback, 405, "BadRequestException", "{\"message\":\"Method not allowed\"}");
                }
            }
        }

        private boolean reply(Response response, Callback callback, int status, String errorType, String body) {
            response.setStatus(status);
            if (errorType != null) {
                response.getHeaders().put("x-amzn-ErrorType", errorType);
            }
            response.getHeaders().put("Content-Type", "application/json");
            Content.Sink.write(response, true, body, callback);
            return true;
        }
    }

    // ---- helpers ----

    private String newConnectionId() {
        byte[] b = new byte[10];
        random.nextBytes(b);
        return Base64.getEncoder().encodeToString(b).replace('+', 'A').replace('/', 'B'); // like "Z4Td2cYioAMCJKA="
    }

    private static Map<String, String> headers(ServerUpgradeRequest request) {
        Map<String, String> out = new LinkedHashMap<>();
        for (HttpField f : request.getHeaders()) {
            out.merge(f.getName(), f.getValue(), (a, b) -> a + "," + b);
        }
        return out;
    }

    static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(k, v);
        }
        return out;
    }

    @Override
    public void close() {
        invocations.shutdownNow();
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("the local gateway did not stop", e);
        }
    }
}
