package dev.switchboard.operator;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes a body record as an HTTP API response: JSON by Jackson, never cached. */
final class JsonResponses {
    private static final Map<String, String> JSON_HEADERS =
            Map.of("Content-Type", "application/json", "Cache-Control", "no-store");

    private final ObjectMapper json = new ObjectMapper();

    APIGatewayV2HTTPResponse ok(Object body) {
        return respond(200, body, Map.of());
    }

    APIGatewayV2HTTPResponse error(int status, String code, String message, Map<String, String> headers) {
        return respond(status, new OperatorBodies.ErrorBody(code, message), headers);
    }

    APIGatewayV2HTTPResponse respond(int status, Object body, Map<String, String> headers) {
        Map<String, String> h = new LinkedHashMap<>(JSON_HEADERS);
        h.putAll(headers);
        String text;
        try {
            text = json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the response", e);
        }
        return APIGatewayV2HTTPResponse.builder().withStatusCode(status).withHeaders(h).withBody(text)
                .withIsBase64Encoded(false).build();
    }
}
