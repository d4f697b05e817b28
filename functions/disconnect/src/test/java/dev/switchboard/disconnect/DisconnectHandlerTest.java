package dev.switchboard.disconnect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.switchboard.domain.Connection;
import dev.switchboard.testing.InMemoryConnectionStore;
import dev.switchboard.usecase.ConnectionRegistry;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DisconnectHandlerTest {
    private static final long NOW = 1_700_000_000_000L;

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
    void cracHooksRunTwiceAndWriteNothing() {
        assertThatCode(() -> {
            handler.beforeCheckpoint(null);
            handler.afterRestore(null);
            handler.beforeCheckpoint(null);
            handler.afterRestore(null);
        }).doesNotThrowAnyException();

        assertThat(connections.writes.get()).isZero();
        assertThat(idsOf("user-alice")).containsExactly("conn-A1", "conn-A2");
        assertThat(idsOf("user-bob")).containsExactly("conn-A1");
        assertThat(connections.listByUser("priming/none")).isEmpty();
    }

    @Test
    @SuppressWarnings("unchecked")
    void declaresRequiredEnvAsPublicStaticListOfStrings() throws Exception {
        Field f = DisconnectHandler.class.getField("REQUIRED_ENV");
        assertThat(Modifier.isPublic(f.getModifiers())).isTrue();
        assertThat(Modifier.isStatic(f.getModifiers())).isTrue();
        assertThat(f.getType()).isEqualTo(List.class);
        assertThat(((ParameterizedType) f.getGenericType()).getActualTypeArguments()).containsExactly(String.class);
        assertThat((List<Object>) f.get(null)).isNotEmpty().allMatch(String.class::isInstance)
                .contains("CONNECTIONS_TABLE");
        assertThat(RequestHandler.class).isAssignableFrom(DisconnectHandler.class);
    }

    // ------------------------------------------------------------------ events/

    static Path eventsDir() {
        String configured = System.getProperty("switchboard.events");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("events").resolve("disconnect.json"))) {
                return p.resolve("events");
            }
        }
        throw new IllegalStateException("events/ not found above " + Path.of("").toAbsolutePath());
    }

    private String prepared(String name) throws IOException {
        String json = Files.readString(eventsDir().resolve(name)).replace("${TOKEN}", "unused")
                .replace("${SESSION_ID}", "s-unused");
        Path out = tmp.resolve(name);
        Files.writeString(out, json);
        return out.toString();
    }

    @Test
    void sampleEventDisconnectIsAcceptedAndDeletesTheConnection() throws IOException {
        // disconnect.json carries disconnectStatusCode / disconnectReason, which the event bean has no field for
        APIGatewayV2WebSocketEvent e =
                EventLoader.loadEvent(prepared("disconnect.json"), APIGatewayV2WebSocketEvent.class);

        APIGatewayV2WebSocketResponse r = handler.handleRequest(e, null);

        assertThat(r.getStatusCode()).isEqualTo(200);
        assertThat(idsOf("user-alice")).containsExactly("conn-A2");
        assertThat(idsOf("user-bob")).containsExactly("conn-A1");
    }
}
