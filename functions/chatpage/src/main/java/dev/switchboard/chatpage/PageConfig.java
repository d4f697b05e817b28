package dev.switchboard.chatpage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The page's {@code config.json}, made from the custom resource's properties (the stack's values): the WebSocket URL
 * and the OIDC sign-in of the page (issuer, client id, redirect URI, scopes, which token to send, and the endpoints
 * when the stack knows them; without them the page reads the issuer's discovery document).
 */
public record PageConfig(Map<String, String> values) {
    public static final String KEY = "config.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Required resource property to config.json field. */
    private static final Map<String, String> REQUIRED = ordered(List.of("WebSocketUrl", "webSocketUrl",
            "Issuer", "issuer", "ClientId", "clientId", "Scopes", "scopes", "RedirectUri", "redirectUri",
            "TokenType", "tokenType"));
    /** Optional resource property (left out of config.json when empty) to config.json field. */
    private static final Map<String, String> OPTIONAL = ordered(List.of("AuthorizationEndpoint", "authorizationEndpoint",
            "TokenEndpoint", "tokenEndpoint", "LogoutEndpoint", "logoutEndpoint"));

    /** The custom resource's properties that config.json is made of (template.yaml ChatPageFiles). */
    public static final java.util.Set<String> PROPERTIES = java.util.Set.of("WebSocketUrl", "Issuer", "ClientId",
            "Scopes", "RedirectUri", "TokenType", "AuthorizationEndpoint", "TokenEndpoint", "LogoutEndpoint");

    public PageConfig {
        values = Map.copyOf(values);
    }

    private static Map<String, String> ordered(List<String> pairs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.size(); i += 2) {
            m.put(pairs.get(i), pairs.get(i + 1));
        }
        return m;
    }

    /** From the custom resource's ResourceProperties; a missing required property fails naming it. */
    public static PageConfig of(Map<String, ?> properties) {
        Map<String, String> out = new LinkedHashMap<>();
        REQUIRED.forEach((property, field) -> {
            Object v = properties.get(property);
            if (v == null || v.toString().isBlank()) {
                throw new IllegalArgumentException("the custom resource has no " + property);
            }
            out.put(field, v.toString());
        });
        OPTIONAL.forEach((property, field) -> {
            Object v = properties.get(property);
            if (v != null && !v.toString().isBlank()) {
                out.put(field, v.toString());
            }
        });
        return new PageConfig(out);
    }

    /** The JSON the page reads: {@code signIn} is always {@code oidc} on AWS. */
    public byte[] json() {
        Map<String, String> doc = new LinkedHashMap<>();
        doc.put("webSocketUrl", values.get("webSocketUrl"));
        doc.put("signIn", "oidc");
        for (String field : REQUIRED.values()) {
            doc.putIfAbsent(field, values.get(field));
        }
        for (String field : OPTIONAL.values()) {
            if (values.containsKey(field)) {
                doc.put(field, values.get(field));
            }
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(doc).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
