package dev.switchboard.infra;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * template.yaml with its intrinsic functions kept ({@code !If [C, a, b]} reads as {@code {"Fn::If": [C, a, b]}},
 * {@code !Ref X} as {@code {"Ref": "X"}}), and its Conditions evaluated for a set of parameter values: which
 * resources and outputs a stack of those values has, and what a property resolves to ({@code Fn::If} chosen).
 * {@link TemplateModel} reads the tags away; this is the view that tells {@code CreateUserPool=true} from false.
 */
public final class TemplateConditions {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final JsonNode root;

    private TemplateConditions(JsonNode root) {
        this.root = root;
    }

    public static TemplateConditions load(Path path) {
        try (YAMLParser p = new YAMLFactory().createParser(Files.readString(path))) {
            p.nextToken();
            return new TemplateConditions(read(p));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /** One node and what it holds, a tagged one wrapped as its long form. */
    private static JsonNode read(YAMLParser p) throws IOException {
        String tag = p.getTypeId();
        JsonNode value;
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_OBJECT) {
            ObjectNode o = NODES.objectNode();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                o.set(name, read(p));
            }
            value = o;
        } else if (t == JsonToken.START_ARRAY) {
            ArrayNode a = NODES.arrayNode();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                a.add(read(p));
            }
            value = a;
        } else {
            value = NODES.textNode(p.getText());
        }
        if (tag == null || tag.startsWith("tag:yaml.org")) {
            return value;
        }
        String name = tag.equals("Ref") || tag.equals("Condition") ? tag : "Fn::" + tag;
        return NODES.objectNode().set(name, value);
    }

    public JsonNode root() {
        return root;
    }

    /** Parameter values: the given ones over the template's defaults; AWS::Region us-east-1 unless given. */
    public Map<String, String> parameters(Map<String, String> given) {
        Map<String, String> out = new HashMap<>();
        out.put("AWS::Region", "us-east-1");
        for (Iterator<Map.Entry<String, JsonNode>> it = root.path("Parameters").fields(); it.hasNext(); ) {
            var e = it.next();
            out.put(e.getKey(), e.getValue().path("Default").asText(""));
        }
        out.putAll(given);
        return out;
    }

    /** Every condition of the template, evaluated for {@code given} parameter values. */
    public Map<String, Boolean> conditions(Map<String, String> given) {
        Map<String, String> params = parameters(given);
        Map<String, Boolean> out = new LinkedHashMap<>();
        for (Iterator<String> it = root.path("Conditions").fieldNames(); it.hasNext(); ) {
            String name = it.next();
            out.put(name, condition(name, params));
        }
        return out;
    }

    private boolean condition(String name, Map<String, String> params) {
        JsonNode c = root.path("Conditions").path(name);
        if (c.isMissingNode()) {
            throw new IllegalArgumentException("no condition " + name);
        }
        return truth(c, params);
    }

    private boolean truth(JsonNode n, Map<String, String> params) {
        if (n.has("Condition")) {
            return condition(n.get("Condition").asText(), params);
        }
        if (n.has("Fn::Equals")) {
            JsonNode args = n.get("Fn::Equals");
            return value(args.get(0), params).equals(value(args.get(1), params));
        }
        if (n.has("Fn::Not")) {
            return !truth(n.get("Fn::Not").get(0), params);
        }
        if (n.has("Fn::And")) {
            for (JsonNode a : n.get("Fn::And")) {
                if (!truth(a, params)) {
                    return false;
                }
            }
            return true;
        }
        if (n.has("Fn::Or")) {
            for (JsonNode a : n.get("Fn::Or")) {
                if (truth(a, params)) {
                    return true;
                }
            }
            return false;
        }
        throw new IllegalArgumentException("not a condition: " + n);
    }

    private static String value(JsonNode n, Map<String, String> params) {
        if (n.has("Ref")) {
            String ref = n.get("Ref").asText();
            if (!params.containsKey(ref)) {
                throw new IllegalArgumentException("a condition refers to " + ref + ", which is no parameter");
            }
            return params.get(ref);
        }
        return n.asText();
    }

    /** The logical ids of the resources a stack of {@code given} parameter values has. */
    public Set<String> resources(Map<String, String> given) {
        return present(root.path("Resources"), conditions(given));
    }

    /** The names of the outputs a stack of {@code given} parameter values has. */
    public Set<String> outputs(Map<String, String> given) {
        return present(root.path("Outputs"), conditions(given));
    }

    private static Set<String> present(JsonNode section, Map<String, Boolean> conditions) {
        Set<String> out = new LinkedHashSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = section.fields(); it.hasNext(); ) {
            var e = it.next();
            JsonNode c = e.getValue().path("Condition");
            if (c.isMissingNode() || conditions.get(c.asText())) {
                out.add(e.getKey());
            }
        }
        return out;
    }

    /** {@code node} with every {@code Fn::If} replaced by the branch its condition picks (AWS::NoValue: missing). */
    public JsonNode resolve(JsonNode node, Map<String, String> given) {
        return choose(node, conditions(given));
    }

    private static JsonNode choose(JsonNode n, Map<String, Boolean> conditions) {
        if (n.isObject() && n.size() == 1 && n.has("Fn::If")) {
            JsonNode args = n.get("Fn::If");
            JsonNode picked = conditions.get(args.get(0).asText()) ? args.get(1) : args.get(2);
            return picked.path("Ref").asText("").equals("AWS::NoValue") ? NODES.missingNode() : choose(picked, conditions);
        }
        if (n.isObject()) {
            ObjectNode o = NODES.objectNode();
            n.fields().forEachRemaining(e -> {
                JsonNode v = choose(e.getValue(), conditions);
                if (!v.isMissingNode()) {
                    o.set(e.getKey(), v);
                }
            });
            return o;
        }
        if (n.isArray()) {
            ArrayNode a = NODES.arrayNode();
            n.forEach(e -> a.add(choose(e, conditions)));
            return a;
        }
        return n;
    }
}
