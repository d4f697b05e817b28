package dev.switchboard.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.APIGatewayCustomAuthorizerEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketEvent;
import dev.switchboard.log.LogContext;
import java.lang.reflect.Proxy;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class RequestIdsTest {

    @Test
    void aWebSocketEventCarriesItsRequestConnectionAndAuthorisedUser() {
        var rc = new APIGatewayV2WebSocketEvent.RequestContext();
        rc.setRequestId("req-1");
        rc.setConnectionId("conn-1");
        rc.setAuthorizer(Map.of(WebSocketEvents.USER_ID, "alice"));
        var e = new APIGatewayV2WebSocketEvent();
        e.setRequestContext(rc);

        assertThat(RequestIds.of(e)).isEqualTo(new RequestIds("req-1", "conn-1", "alice"));
        assertThat(RequestIds.of(new APIGatewayV2WebSocketEvent())).isEqualTo(new RequestIds(null, null, null));
    }

    @Test
    void httpAndAuthorizerEventsCarryTheirRequestIdOnly() {
        var http = new APIGatewayV2HTTPEvent();
        var httpContext = new APIGatewayV2HTTPEvent.RequestContext();
        httpContext.setRequestId("req-2");
        http.setRequestContext(httpContext);
        var authorizer = new APIGatewayCustomAuthorizerEvent();
        var authorizerContext = new APIGatewayCustomAuthorizerEvent.RequestContext();
        authorizerContext.setRequestId("req-3");
        authorizer.setRequestContext(authorizerContext);

        assertThat(RequestIds.of(http)).isEqualTo(new RequestIds("req-2", null, null));
        assertThat(RequestIds.of(authorizer)).isEqualTo(new RequestIds("req-3", null, null));
        assertThat(RequestIds.of(new APIGatewayV2HTTPEvent())).isEqualTo(new RequestIds(null, null, null));
        assertThat(RequestIds.of(new APIGatewayCustomAuthorizerEvent())).isEqualTo(new RequestIds(null, null, null));
    }

    @Test
    void aQueueInvocationCarriesLambdasRequestId() {
        Context context = (Context) Proxy.newProxyInstance(Context.class.getClassLoader(),
                new Class<?>[] {Context.class}, (proxy, method, args) ->
                        method.getName().equals("getAwsRequestId") ? "aws-req" : null);

        assertThat(RequestIds.of(context)).isEqualTo(new RequestIds("aws-req", null, null));
        assertThat(RequestIds.of((Context) null)).isEqualTo(new RequestIds(null, null, null));
    }

    @Test
    void openSetsTheLogContextAndClosingClearsIt() {
        try (LogContext log = new RequestIds("req-1", "conn-1", null).withUser("alice").open()) {
            assertThat(MDC.get("requestId")).isEqualTo("req-1");
            assertThat(MDC.get("correlationId")).isEqualTo("req-1");
            assertThat(MDC.get("connectionId")).isEqualTo("conn-1");
            assertThat(MDC.get("user")).isEqualTo(LogContext.hashUser("alice"));
        }
        assertThat(MDC.getCopyOfContextMap()).isNullOrEmpty();
    }
}
