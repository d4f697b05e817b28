package dev.switchboard.operator;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The routes of the operator HTTP API, each by the route key API Gateway puts in the event ({@code routeKey}): the
 * {@code HttpApi} events of OperatorFunction in template.yaml (infra's TemplateTest checks that both list the same).
 */
public enum OperatorRoute {
    HEALTH("GET /health"),
    STATS("GET /stats"),
    SESSIONS("GET /users/{userId}/sessions"),
    CONNECTIONS("DELETE /users/{userId}/connections"),
    USER("DELETE /users/{userId}");

    /** The path parameter of the per-user routes. */
    public static final String USER_ID = "userId";

    private final String routeKey;

    OperatorRoute(String routeKey) {
        this.routeKey = routeKey;
    }

    public String routeKey() {
        return routeKey;
    }

    /** The route of {@code routeKey}, if it is one of this API's. */
    public static Optional<OperatorRoute> of(String routeKey) {
        for (OperatorRoute r : values()) {
            if (r.routeKey.equals(routeKey)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    /**
     * The methods this API declares for the path of {@code routeKey} ({@code METHOD /path}), whatever its method; empty
     * when no route has that path.
     */
    public static List<String> methodsOfPath(String routeKey) {
        List<String> methods = new ArrayList<>();
        if (routeKey == null || routeKey.indexOf(' ') < 0) {
            return methods;
        }
        String path = path(routeKey);
        for (OperatorRoute r : values()) {
            if (path(r.routeKey).equals(path)) {
                methods.add(r.routeKey.substring(0, r.routeKey.indexOf(' ')));
            }
        }
        return methods;
    }

    private static String path(String routeKey) {
        return routeKey.substring(routeKey.indexOf(' ') + 1);
    }
}
