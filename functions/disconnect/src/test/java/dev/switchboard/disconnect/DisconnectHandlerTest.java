package dev.switchboard.disconnect;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.switchboard.domain.Connection;
import dev.switchboard.runtime.WebSocketEvents;
import dev.switchboard.testing.CracFixtures;
import dev.switchboard.testing.EventFixtures;
import dev.switchboard.testing.InMemoryConnectionStore;
import dev.switchboard.usecase.ConnectionRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DisconnectHandlerTest {
    // near the wall clock: connections whose TTL has passed are not listed
    private static final long NOW = System.currentTimeMillis() / 1000 * 1000;

    private final InMemoryConnectionStore connections = new InMemoryConnectionStore();
    private final DisconnectHandler handler =
            new DisconnectHandler(new ConnectionRegistry(connections, () -> NOW, 7200));

    @TempDir
    Path tmp;

    @BeforeEach
    void seed() {
        connections.put(new Connection("user-alice", "conn-A1", NOW, NOW / 1000 + 7200));
        connections.put(new Connection("user-alice", "conn-A2", NOW, NOW / 1000 + 7200));
        // another user whose connection id happens to be the same: must never be touched
        connections.put(new Connection("user-bob", "conn-A1", NOW, NOW / 1000 + 7200));
        connections.writes.set(0);
    }

    private static APIGatewayV2WebSocketEvent disconnectEvent(String userId, String connectionId) {
        var ctx = new APIGatewayV2WebSocketEvent.RequestContext();
        ctx.setRouteKey("$disconnect");
        ctx.setEventType("DISCONNECT");
        ctx.setConnectionId(connectionId);
        ctx.setRequestId("req-2");
        if (userId != null) {
            ctx.setAuthorizer(Map.of("principalId", userId, "userId", userId));
        }
        var e = new APIGatewayV2WebSocketEvent();
        e.setRequestContext(ctx);
        return e;
    }

    private List<String> idsOf(String user) {
        return connections.listByUser(user).stream().map(Connection::connectionId).sorted().toList();
    }

    @Test
    void deletesOnlyThatUsersConnection() {
        APIGatewayV2WebSocketResponse r = handler.handleRequest(disconnectEvent("user-alice", "conn-A1"), null);

        assertThat(r.getStatusCode()).isEqualTo(200);
        assertThat(idsOf("user-alice")).containsExactly("conn-A2");
        assertThat(idsOf("user-bob")).containsExactly("conn-A1");
    }

    @Test
    void disconnectOfAnUnknownConnectionIsHarmless() {
        APIGatewayV2WebSocketResponse r = handler.handleRequest(disconnectEvent("user-alice", "conn-zzz"), null);

        assertThat(r.getStatusCode()).isEqualTo(200);
        assertThat(idsOf("user-alice")).containsExactly("conn-A1", "conn-A2");
        assertThat(idsOf("user-bob")).containsExactly("conn-A1");
    }

    @Test
    void withoutAuthorisedUserNothingIsDeleted() {
        APIGatewayV2WebSocketResponse r = handler.handleRequest(disconnectEvent(null, "conn-A1"), null);
        APIGatewayV2WebSocketResponse empty = handler.handleRequest(new APIGatewayV2WebSocketEvent(), null);

        assertThat(r.getStatusCode()).isEqualTo(200);
        assertThat(empty.getStatusCode()).isEqualTo(200);
        assertThat(connections.writes.get()).isZero();
        assertThat(idsOf("user-alice")).containsExactly("conn-A1", "conn-A2");
        assertThat(idsOf("user-bob")).containsExactly("conn-A1");
    }

    @Test
    void theLambdaEntryPointRegistersTheHandlerWithTheGlobalCracContext() {
        DisconnectHandler built = new DisconnectHandler(CracFixtures.offlineEnv());

        CracFixtures.assertRegisteredWithTheGlobalContext(built);
    }

    @Test
    void cracHooksRunTwiceAndWriteNothing() {
        CracFixtures.assertHooksRepeatable(handler);

        assertThat(connections.writes.get()).isZero();
        assertThat(idsOf("user-alice")).containsExactly("conn-A1", "conn-A2");
        assertThat(idsOf("user-bob")).containsExactly("conn-A1");
        assertThat(connections.listByUser(WebSocketEvents.PRIMING_USER)).isEmpty();
    }

    @Test
    void declaresRequiredEnvAsPublicStaticListOfStrings() {
        EventFixtures.assertRequiredEnv(DisconnectHandler.class, "CONNECTIONS_TABLE");
    }

    // ------------------------------------------------------------------ events/

    @Test
    void sampleEventDisconnectIsAcceptedAndDeletesTheConnection() {
        // disconnect.json carries disconnectStatusCode / disconnectReason, which the event bean has no field for
        String file = EventFixtures.prepare("disconnect.json", tmp,
                Map.of("${TOKEN}", "unused", "${SESSION_ID}", "s-unused"));
        APIGatewayV2WebSocketEvent e = EventLoader.loadEvent(file, APIGatewayV2WebSocketEvent.class);

        APIGatewayV2WebSocketResponse r = handler.handleRequest(e, null);

        assertThat(r.getStatusCode()).isEqualTo(200);
        assertThat(idsOf("user-alice")).containsExactly("conn-A2");
        assertThat(idsOf("user-bob")).containsExactly("conn-A1");
    }

    /** Priming that throws at publish time (here: nothing answers, or a step has nothing to work on) is logged; the hook goes on. */
    @Test
    void aPrimingStepThatThrowsDoesNotFailTheCheckpointHook() {
        DisconnectHandler primed = new DisconnectHandler(CracFixtures.offlineEnv());
        org.assertj.core.api.Assertions.assertThat(primed.prime()).as("priming steps that failed").isPositive();
        org.assertj.core.api.Assertions.assertThatCode(() -> primed.beforeCheckpoint(null)).doesNotThrowAnyException();
    }
}
