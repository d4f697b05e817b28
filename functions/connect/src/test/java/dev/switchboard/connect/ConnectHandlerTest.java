package dev.switchboard.connect;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.switchboard.auth.DevTokens;
import dev.switchboard.domain.Connection;
import dev.switchboard.runtime.WebSocketEvents;
import dev.switchboard.testing.CracFixtures;
import dev.switchboard.testing.EventFixtures;
import dev.switchboard.testing.InMemoryConnectionStore;
import dev.switchboard.usecase.ConnectionRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConnectHandlerTest {
    // near the wall clock: connections whose TTL has passed are not listed
    private static final long NOW = System.currentTimeMillis() / 1000 * 1000 + 123;
    private static final long TTL = 7200;

    private final InMemoryConnectionStore connections = new InMemoryConnectionStore();
    private final ConnectHandler handler = new ConnectHandler(new ConnectionRegistry(connections, () -> NOW, TTL));

    @TempDir
    Path tmp;

    private static APIGatewayV2WebSocketEvent connectEvent(String userId, String connectionId,
                                                          Map<String, String> headers) {
        var ctx = new APIGatewayV2WebSocketEvent.RequestContext();
        ctx.setRouteKey("$connect");
        ctx.setEventType("CONNECT");
        ctx.setConnectionId(connectionId);
        ctx.setRequestId("req-1");
        if (userId != null) {
            Map<String, Object> authorizer = new HashMap<>();
            authorizer.put("principalId", userId);
            authorizer.put("userId", userId);
            ctx.setAuthorizer(authorizer);
        }
        var e = new APIGatewayV2WebSocketEvent();
        e.setRequestContext(ctx);
        e.setHeaders(headers);
        return e;
    }

    private static String protocolHeader(APIGatewayV2WebSocketResponse r) {
        Map<String, String> h = r.getHeaders();
        if (h == null) {
            return null;
        }
        return h.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase("Sec-WebSocket-Protocol"))
                .map(Map.Entry::getValue).findFirst().orElse(null);
    }

    @Test
    void authorisedConnectStoresTheConnectionWithTtl() {
        APIGatewayV2WebSocketResponse r = handler.handleRequest(connectEvent("user-alice", "conn-1", Map.of()), null);

        assertThat(r.getStatusCode()).isEqualTo(200);
        List<Connection> stored = connections.listByUser("user-alice");
        assertThat(stored).hasSize(1);
        Connection c = stored.get(0);
        assertThat(c.userId()).isEqualTo("user-alice");
        assertThat(c.connectionId()).isEqualTo("conn-1");
        assertThat(c.connectedAtMillis()).isEqualTo(NOW);
        assertThat(c.expiresAtEpochSeconds()).isEqualTo(NOW / 1000 + 7200);
        assertThat(connections.listByUser("user-bob")).isEmpty();
    }

    @Test
    void theConnectionExpiresWithItsTokenWhenThatComesBeforeTheConnectionLimit() {
        var soon = connectEvent("user-alice", "conn-short", Map.of());
        soon.getRequestContext().getAuthorizer().put(WebSocketEvents.EXPIRES_AT, NOW / 1000 + 600);
        var late = connectEvent("user-alice", "conn-long", Map.of());
        late.getRequestContext().getAuthorizer().put(WebSocketEvents.EXPIRES_AT, String.valueOf(NOW / 1000 + 86_400));

        handler.handleRequest(soon, null);
        handler.handleRequest(late, null);

        assertThat(connections.listByUser("user-alice")).extracting(Connection::connectionId,
                        Connection::expiresAtEpochSeconds)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("conn-short", NOW / 1000 + 600),
                        org.assertj.core.groups.Tuple.tuple("conn-long", NOW / 1000 + TTL));
    }

    @Test
    void expiresAtIsAboutTwoHoursFromNowWithTheSystemClock() {
        var h = new ConnectHandler(new ConnectionRegistry(connections, System::currentTimeMillis, 7200));
        long before = System.currentTimeMillis() / 1000;

        h.handleRequest(connectEvent("user-alice", "conn-9", null), null);

        long after = System.currentTimeMillis() / 1000;
        Connection c = connections.listByUser("user-alice").get(0);
        assertThat(c.expiresAtEpochSeconds()).isBetween(before + 7200, after + 7200);
    }

    @Test
    void offeredSubprotocolIsEchoed() {
        APIGatewayV2WebSocketResponse r = handler.handleRequest(
                connectEvent("user-alice", "conn-1", Map.of("Sec-WebSocket-Protocol", "switchboard.v1")), null);

        assertThat(r.getStatusCode()).isEqualTo(200);
        assertThat(r.getHeaders()).containsEntry("Sec-WebSocket-Protocol", "switchboard.v1");
    }

    @Test
    void subprotocolIsEchoedWithoutTheTokenThatTravelsNextToIt() {
        String jwt = new DevTokens("test-secret-that-is-at-least-32-bytes-long!", "iss", "aud")
                .issue("user-alice", Duration.ofMinutes(5));

        APIGatewayV2WebSocketResponse r = handler.handleRequest(
                connectEvent("user-alice", "conn-1", Map.of("sec-websocket-protocol", "switchboard.v1, " + jwt)), null);

        assertThat(r.getStatusCode()).isEqualTo(200);
        assertThat(protocolHeader(r)).isEqualTo("switchboard.v1");
        assertThat(r.getHeaders().values()).noneMatch(v -> v.contains(jwt));
    }

    @Test
    void noSubprotocolHeaderWhenNotOffered() {
        APIGatewayV2WebSocketResponse none = handler.handleRequest(connectEvent("user-alice", "conn-1", Map.of()), null);
        APIGatewayV2WebSocketResponse other = handler.handleRequest(
                connectEvent("user-alice", "conn-2", Map.of("Sec-WebSocket-Protocol", "chat, switchboard.v2")), null);

        assertThat(none.getStatusCode()).isEqualTo(200);
        assertThat(protocolHeader(none)).isNull();
        assertThat(other.getStatusCode()).isEqualTo(200);
        assertThat(protocolHeader(other)).isNull();
    }

    @Test
    void connectWithoutAuthorizerContextIsRefusedAndStoresNothing() {
        APIGatewayV2WebSocketResponse r = handler.handleRequest(connectEvent(null, "conn-1", Map.of()), null);
        APIGatewayV2WebSocketResponse empty = handler.handleRequest(new APIGatewayV2WebSocketEvent(), null);
        var blank = connectEvent(null, "conn-2", Map.of());
        blank.getRequestContext().setAuthorizer(Map.of("userId", " "));
        APIGatewayV2WebSocketResponse blankUser = handler.handleRequest(blank, null);

        assertThat(r.getStatusCode()).isEqualTo(403);
        assertThat(empty.getStatusCode()).isEqualTo(403);
        assertThat(blankUser.getStatusCode()).isEqualTo(403);
        assertThat(connections.writes.get()).isZero();
    }

    @Test
    void theLambdaEntryPointRegistersTheHandlerWithTheGlobalCracContext() {
        ConnectHandler built = new ConnectHandler(CracFixtures.offlineEnv());

        CracFixtures.assertRegisteredWithTheGlobalContext(built);
    }

    @Test
    void cracHooksRunTwiceAndWriteNothing() {
        CracFixtures.assertHooksRepeatable(handler);

        assertThat(connections.writes.get()).isZero();
        assertThat(connections.listByUser(WebSocketEvents.PRIMING_USER)).isEmpty();
        // and the handler still connects
        assertThat(handler.handleRequest(connectEvent("user-alice", "conn-1", Map.of()), null).getStatusCode())
                .isEqualTo(200);
        assertThat(connections.listByUser("user-alice")).extracting(Connection::connectionId).containsExactly("conn-1");
    }

    @Test
    void declaresRequiredEnvAsPublicStaticListOfStrings() {
        EventFixtures.assertRequiredEnv(ConnectHandler.class, "CONNECTIONS_TABLE");
    }

    // ------------------------------------------------------------------ events/

    @Test
    void sampleEventConnectIsAcceptedAndStored() {
        String file = EventFixtures.prepare("connect.json", tmp,
                Map.of("${TOKEN}", "unused", "${SESSION_ID}", "s-unused"));
        APIGatewayV2WebSocketEvent e = EventLoader.loadEvent(file, APIGatewayV2WebSocketEvent.class);

        APIGatewayV2WebSocketResponse r = handler.handleRequest(e, null);

        assertThat(r.getStatusCode()).isEqualTo(200);
        assertThat(connections.listByUser("user-alice")).extracting(Connection::connectionId).containsExactly("conn-A1");
        assertThat(connections.listByUser("user-alice").get(0).expiresAtEpochSeconds()).isEqualTo(NOW / 1000 + TTL);
    }

    /** Priming that throws at publish time (here: nothing answers, or a step has nothing to work on) is logged; the hook goes on. */
    @Test
    void aPrimingStepThatThrowsDoesNotFailTheCheckpointHook() {
        ConnectHandler primed = new ConnectHandler(CracFixtures.offlineEnv());
        org.assertj.core.api.Assertions.assertThat(primed.prime()).as("priming steps that failed").isPositive();
        org.assertj.core.api.Assertions.assertThatCode(() -> primed.beforeCheckpoint(null)).doesNotThrowAnyException();
    }
}
