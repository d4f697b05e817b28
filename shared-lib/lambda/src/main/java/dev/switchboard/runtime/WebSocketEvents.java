package dev.switchboard.runtime;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketResponse;
import java.util.Map;

/** Edge helpers for API Gateway WebSocket events: the authorizer's user id and response shapes. */
public final class WebSocketEvents {
    /** The key of the user id in the authorizer context (set by the $connect authorizer, seen by every route). */
    public static final String USER_ID = "userId";

    private WebSocketEvents() {}

    /** The user id from the authorizer context, or null; never read from the message body. */
    /** The authorizer context key of the token's expiry (epoch seconds). */
    public static final String EXPIRES_AT = "expiresAt";

    public static String userId(APIGatewayV2WebSocketEvent event) {
        var ctx = event == null ? null : event.getRequestContext();
        Map<String, Object> authorizer = ctx == null ? null : ctx.getAuthorizer();
        Object v = authorizer == null ? null : authorizer.get(USER_ID);
        return v instanceof String s && !s.isBlank() ? s : null;
    }

    /**
     * When the token the connection was opened with expires (epoch seconds; the authorizer puts it in the context,
     * as a number or, on AWS, possibly as a string), or 0 when unknown.
     */
    public static long tokenExpiresAt(APIGatewayV2WebSocketEvent event) {
        var ctx = event == null ? null : event.getRequestContext();
        Map<String, Object> authorizer = ctx == null ? null : ctx.getAuthorizer();
        Object v = authorizer == null ? null : authorizer.get(EXPIRES_AT);
        if (v instanceof Number n) {
            return n.longValue();
        }
        if (v instanceof String s) {
            try {
                return Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                return 0;
            }
        }
        return 0;
    }

    public static String connectionId(APIGatewayV2WebSocketEvent event) {
        var ctx = event == null ? null : event.getRequestContext();
        return ctx == null ? null : ctx.getConnectionId();
    }

    public static String requestId(APIGatewayV2WebSocketEvent event) {
        var ctx = event == null ? null : event.getRequestContext();
        return ctx == null ? null : ctx.getRequestId();
    }

    public static APIGatewayV2WebSocketResponse response(int status, String body, Map<String, String> headers) {
        APIGatewayV2WebSocketResponse r = new APIGatewayV2WebSocketResponse();
        r.setStatusCode(status);
        r.setBody(body);
        r.setHeaders(headers);
        return r;
    }

    /** A primed, harmless event for SnapStart's beforeCheckpoint: a user id no token can carry. */
    public static APIGatewayV2WebSocketEvent primingEvent(String routeKey, String body) {
        var ctx = new APIGatewayV2WebSocketEvent.RequestContext();
        ctx.setRouteKey(routeKey);
        ctx.setConnectionId("priming");
        ctx.setRequestId("priming");
        ctx.setAuthorizer(Map.of(USER_ID, PRIMING_USER));
        var e = new APIGatewayV2WebSocketEvent();
        e.setRequestContext(ctx);
        e.setBody(body);
        return e;
    }

    /** Contains '#'-free characters a JWT subject can never carry here ('/' is outside the accepted user-id set). */
    public static final String PRIMING_USER = "priming/none";
}
