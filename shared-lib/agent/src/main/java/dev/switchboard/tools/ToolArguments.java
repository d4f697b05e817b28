package dev.switchboard.tools;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The arguments a model gave a built-in tool: a JSON object holding only the tool's declared properties. Any other
 * property (a {@code userId}, say) is refused, so no argument can redirect a tool to another user's data.
 */
final class ToolArguments {
    static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).build())
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final int MAX_ARGUMENTS_CHARS = 16_384;

    private final JsonNode node;

    private ToolArguments(JsonNode node) {
        this.node = node;
    }

    /** Blank arguments stand for {@code {}}, as models send for tools without parameters. */
    static ToolArguments parse(String argumentsJson, Set<String> declared) {
        if (argumentsJson == null || argumentsJson.isBlank()) {
            return new ToolArguments(JSON.createObjectNode());
        }
        if (argumentsJson.length() > MAX_ARGUMENTS_CHARS) {
            throw new ToolException("arguments too long (at most " + MAX_ARGUMENTS_CHARS + " characters)");
        }
        JsonNode node;
        try {
            node = JSON.readTree(argumentsJson);
        } catch (JsonProcessingException e) {
            throw new ToolException("arguments are not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new ToolException("arguments must be a JSON object");
        }
        List<String> unknown = new ArrayList<>();
        node.fieldNames().forEachRemaining(name -> {
            if (!declared.contains(name)) {
                unknown.add(name);
            }
        });
        if (!unknown.isEmpty()) {
            throw new ToolException("unknown argument(s) " + unknown + "; this tool takes "
                    + (declared.isEmpty() ? "no arguments" : new TreeSet<>(declared).toString())
                    + " and always acts for the current user");
        }
        return new ToolArguments(node);
    }

    Optional<String> optionalString(String name, int maxChars) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isTextual()) {
            throw new ToolException("argument '" + name + "' must be a string");
        }
        String s = v.asText();
        if (s.codePointCount(0, s.length()) > maxChars) {
            throw new ToolException("argument '" + name + "' is too long (at most " + maxChars + " characters)");
        }
        return Optional.of(s);
    }

    String requiredString(String name, int maxChars) {
        String s = optionalString(name, maxChars).orElseThrow(() ->
                new ToolException("argument '" + name + "' is required"));
        if (s.isBlank()) {
            throw new ToolException("argument '" + name + "' must not be blank");
        }
        return s;
    }

    static ObjectNode object() {
        return JSON.createObjectNode();
    }
}
