package dev.switchboard.runtime;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.APIGatewayCustomAuthorizerEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketEvent;
import dev.switchboard.log.LogContext;

/**
 * The ids every log line of one invocation carries, read from whatever event the function receives: the request id,
 * the WebSocket connection id and the (authorised) user id, each null when the event has none. {@link #open()} puts
 * them in the {@link LogContext} for the handling; closing it clears them.
 */
public record RequestIds(String requestId, String connectionId, String userId) {

    /** A WebSocket route's event: its request and connection ids and the user id of the authorizer context. */
    public static RequestIds of(APIGatewayV2WebSocketEvent event) {
        return new RequestIds(WebSocketEvents.requestId(event), WebSocketEvents.connectionId(event),
                WebSocketEvents.userId(event));
    }

    /** An HTTP API (payload format 2.0) request: its request id; the user is known once its token is checked. */
    public static RequestIds of(APIGatewayV2HTTPEvent event) {
        var rc = event == null ? null : event.getRequestContext();
        return new RequestIds(rc == null ? null : rc.getRequestId(), null, null);
    }

    /** A REQUEST authorizer's event: its request id (the connection does not exist yet). */
    public static RequestIds of(APIGatewayCustomAuthorizerEvent event) {
        var rc = event == null ? null : event.getRequestContext();
        return new RequestIds(rc == null ? null : rc.getRequestId(), null, null);
    }

    /** An invocation whose event carries no ids (a queue's batch): Lambda's request id, if there is a context. */
    public static RequestIds of(Context context) {
        return new RequestIds(context == null ? null : context.getAwsRequestId(), null, null);
    }

    /** The same request, now known to be the user's. */
    public RequestIds withUser(String user) {
        return new RequestIds(requestId, connectionId, user);
    }

    /** Sets these ids as the current thread's log context (clearing any other); close the result to clear them. */
    public LogContext open() {
        return LogContext.open(requestId, connectionId, userId);
    }
}
