package dev.switchboard.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Parses client frames into {@link ClientAction}s and writes {@link ServerEvent}s, enforcing every limit of protocol
 * v1. Thread-safe; build one per execution environment.
 */
public final class ProtocolCodec {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:\\-]{1," + Limits.MAX_ID_CHARS + "}");

    private final ObjectMapper mapper;

    public ProtocolCodec() {
        this.mapper = JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(Limits.MAX_JSON_DEPTH)
                .maxStringLength(Limits.MAX_FRAME_BYTES)
                .build());
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    public String write(ServerEvent event) {
        try {
            return mapper.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + event.getClass().getSimpleName(), e);
        }
    }

    /** Size in UTF-8 bytes of a value written as JSON. */
    public long size(Object value) {
        try {
            return mapper.writeValueAsBytes(value).length;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    public ServerEvent readEvent(String json) {
        try {
            return mapper.readValue(json, ServerEvent.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a server event: " + e.getOriginalMessage(), e);
        }
    }

    /** @throws ProtocolException with the error code to answer, for anything that is not a valid v1 action */
    public ClientAction parse(String body) {
        if (body == null || body.isBlank()) {
            throw new ProtocolException(ErrorCode.BAD_JSON, "Empty frame; send a JSON object with an 'action'", null);
        }
        if (body.getBytes(StandardCharsets.UTF_8).length > Limits.MAX_FRAME_BYTES) {
            throw new ProtocolException(ErrorCode.MESSAGE_TOO_LARGE,
                    "Frame is over " + Limits.MAX_FRAME_BYTES + " bytes", null);
        }
        JsonNode root;
        try {
            root = mapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw new ProtocolException(ErrorCode.BAD_JSON, "Frame is not valid JSON (or nests deeper than "
                    + Limits.MAX_JSON_DEPTH + " levels)", null);
        }
        if (root == null || !root.isObject()) {
            throw new ProtocolException(ErrorCode.BAD_JSON, "Frame must be a JSON object", null);
        }
        JsonNode actionNode = root.get("action");
        if (actionNode == null || !actionNode.isTextual()) {
            throw new ProtocolException(ErrorCode.UNKNOWN_ACTION, "Field 'action' is missing or not a string", null);
        }
        String action = actionNode.asText();
        return switch (action) {
            case "sendMessage" -> {
                allowOnly(root, action, Set.of("action", "clientMessageId", "sessionId", "text"));
                yield new ClientAction.SendMessage(
                        id(root, action, "clientMessageId", true),
                        id(root, action, "sessionId", false),
                        text(root, action, Limits.MAX_TEXT_CHARS));
            }
            case "listSessions" -> {
                allowOnly(root, action, Set.of("action", "limit", "cursor"));
                yield new ClientAction.ListSessions(limit(root, action, Limits.DEFAULT_SESSIONS_PAGE), cursor(root, action));
            }
            case "getHistory" -> {
                allowOnly(root, action, Set.of("action", "sessionId", "limit", "cursor"));
                yield new ClientAction.GetHistory(id(root, action, "sessionId", true),
                        limit(root, action, Limits.DEFAULT_HISTORY_PAGE), cursor(root, action));
            }
            case "deleteSession" -> {
                allowOnly(root, action, Set.of("action", "sessionId"));
                yield new ClientAction.DeleteSession(id(root, action, "sessionId", true));
            }
            case "ping" -> {
                allowOnly(root, action, Set.of("action"));
                yield new ClientAction.Ping();
            }
            case "createSession", "updateSession" -> {
                allowOnly(root, action, Set.of("action", "sessionId", "title", "model", "systemPrompt", "busyPolicy"));
                boolean create = action.equals("createSession");
                String sessionId = id(root, action, "sessionId", !create);
                String title = optionalText(root, action, "title", Limits.MAX_TITLE_CHARS, false);
                String model = modelId(root, action);
                String prompt = optionalText(root, action, "systemPrompt", Limits.MAX_SYSTEM_PROMPT_CHARS, true);
                String policy = busyPolicy(root, action);
                yield create ? new ClientAction.CreateSession(sessionId, title, model, prompt, policy)
                        : new ClientAction.UpdateSession(sessionId, title, model, prompt, policy);
            }
            case "listModels" -> {
                allowOnly(root, action, Set.of("action"));
                yield new ClientAction.ListModels();
            }
            case "cancel" -> {
                allowOnly(root, action, Set.of("action", "sessionId", "turnId"));
                yield new ClientAction.Cancel(id(root, action, "sessionId", true), id(root, action, "turnId", false));
            }
            case "approveTool", "denyTool" -> {
                allowOnly(root, action, Set.of("action", "sessionId", "turnId", "toolCallId"));
                yield new ClientAction.DecideTool(id(root, action, "sessionId", true), id(root, action, "turnId", true),
                        id(root, action, "toolCallId", true), action.equals("approveTool"));
            }
            case "listMemories" -> {
                allowOnly(root, action, Set.of("action"));
                yield new ClientAction.ListMemories();
            }
            case "deleteMemory" -> {
                allowOnly(root, action, Set.of("action", "memoryId"));
                yield new ClientAction.DeleteMemory(id(root, action, "memoryId", true));
            }
            case "addDocument" -> {
                allowOnly(root, action, Set.of("action", "title", "text"));
                String title = optionalText(root, action, "title", Limits.MAX_TITLE_CHARS, false);
                if (title == null) {
                    throw new ProtocolException(ErrorCode.MISSING_FIELD, "Field 'title' is required", action);
                }
                yield new ClientAction.AddDocument(title, text(root, action, Limits.MAX_DOCUMENT_CHARS));
            }
            case "listDocuments" -> {
                allowOnly(root, action, Set.of("action"));
                yield new ClientAction.ListDocuments();
            }
            case "deleteDocument" -> {
                allowOnly(root, action, Set.of("action", "documentId"));
                yield new ClientAction.DeleteDocument(id(root, action, "documentId", true));
            }
            case "resume" -> {
                allowOnly(root, action, Set.of("action", "sessionId", "turnId", "lastSeq", "attempt"));
                Long lastSeq = integer(root, action, "lastSeq", -1, Limits.MAX_SEQ);
                yield new ClientAction.Resume(id(root, action, "sessionId", true), id(root, action, "turnId", true),
                        lastSeq == null ? -1 : lastSeq.intValue(), integer(root, action, "attempt", 1, Long.MAX_VALUE));
            }
            case "regenerate", "editMessage", "rateMessage" -> branchAction(root, action);
            case "exportSession" -> {
                allowOnly(root, action, Set.of("action", "sessionId", "format", "cursor"));
                String sessionId = id(root, action, "sessionId", true);
                JsonNode f = root.get("format");
                if (f == null || f.isNull()) {
                    throw new ProtocolException(ErrorCode.MISSING_FIELD,
                            "Field 'format' is required (markdown or json)", action);
                }
                ClientAction.ExportFormat format = f.isTextual() ? ClientAction.ExportFormat.fromWire(f.asText()) : null;
                if (format == null) {
                    throw new ProtocolException(ErrorCode.INVALID_FIELD, "Field 'format' must be markdown or json",
                            action);
                }
                yield new ClientAction.ExportSession(sessionId, format, cursor(root, action));
            }
            case "searchMessages" -> {
                allowOnly(root, action, Set.of("action", "query", "limit", "cursor"));
                String query = optionalText(root, action, "query", Limits.MAX_SEARCH_QUERY_CHARS, false, true);
                if (query == null) {
                    throw new ProtocolException(ErrorCode.MISSING_FIELD, "Field 'query' is required", action);
                }
                yield new ClientAction.SearchMessages(query,
                        limit(root, action, Limits.DEFAULT_SEARCH_RESULTS, Limits.MAX_SEARCH_RESULTS),
                        cursor(root, action));
            }
            default -> throw new ProtocolException(ErrorCode.UNKNOWN_ACTION,
                    "Unknown action '" + truncate(action) + "'", null);
        };
    }

    /** The issue-16 actions on an answered turn: regenerate, editMessage, rateMessage. */
    private static ClientAction branchAction(JsonNode root, String action) {
        return switch (action) {
            case "regenerate" -> {
                allowOnly(root, action, Set.of("action", "sessionId", "turnId"));
                yield new ClientAction.Regenerate(id(root, action, "sessionId", true), id(root, action, "turnId", true));
            }
            case "editMessage" -> {
                allowOnly(root, action, Set.of("action", "sessionId", "turnId", "clientMessageId", "text"));
                yield new ClientAction.EditMessage(id(root, action, "sessionId", true), id(root, action, "turnId", true),
                        id(root, action, "clientMessageId", true), text(root, action, Limits.MAX_TEXT_CHARS));
            }
            default -> {
                allowOnly(root, action, Set.of("action", "sessionId", "turnId", "rating", "comment"));
                if (!root.has("rating")) {
                    throw new ProtocolException(ErrorCode.MISSING_FIELD,
                            "Field 'rating' is required (up, down, or null to clear)", action);
                }
                JsonNode r = root.get("rating");
                if (!r.isNull() && (!r.isTextual() || dev.switchboard.domain.Rating.Value.fromWire(r.asText()) == null)) {
                    throw new ProtocolException(ErrorCode.INVALID_FIELD,
                            "Field 'rating' must be up, down or null", action);
                }
                String comment = optionalText(root, action, "comment", Limits.MAX_RATING_COMMENT_CHARS, false);
                if (r.isNull() && comment != null) {
                    throw new ProtocolException(ErrorCode.INVALID_FIELD,
                            "Field 'comment' goes with a rating; a null rating clears both", action);
                }
                yield new ClientAction.RateMessage(id(root, action, "sessionId", true),
                        id(root, action, "turnId", true), r.isNull() ? null : r.asText(), comment);
            }
        };
    }

    private static void allowOnly(JsonNode root, String action, Set<String> allowed) {
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw new ProtocolException(ErrorCode.INVALID_FIELD,
                        "Field '" + truncate(f) + "' is not part of action " + action, action);
            }
        }
    }

    private static String id(JsonNode root, String action, String field, boolean required) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            if (required) {
                throw new ProtocolException(ErrorCode.MISSING_FIELD, "Field '" + field + "' is required", action);
            }
            return null;
        }
        if (!n.isTextual()) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "Field '" + field + "' must be a string", action);
        }
        String v = n.asText();
        if (v.length() > Limits.MAX_ID_CHARS) {
            throw new ProtocolException(ErrorCode.FIELD_TOO_LONG,
                    "Field '" + field + "' is over " + Limits.MAX_ID_CHARS + " characters", action);
        }
        if (!ID.matcher(v).matches()) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD,
                    "Field '" + field + "' must be 1-" + Limits.MAX_ID_CHARS + " characters of A-Z a-z 0-9 . _ : -", action);
        }
        return v;
    }

    private static final Pattern MODEL_ID = Pattern.compile("[A-Za-z0-9._:/\\-]{1," + Limits.MAX_MODEL_ID_CHARS + "}");

    /** A model id from listModels; an empty string (updateSession: back to the default) is kept as "". */
    private static String modelId(JsonNode root, String action) {
        JsonNode n = root.get("model");
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "Field 'model' must be a string", action);
        }
        String v = n.asText();
        if (v.isEmpty()) {
            return v;
        }
        if (v.length() > Limits.MAX_MODEL_ID_CHARS) {
            throw new ProtocolException(ErrorCode.FIELD_TOO_LONG,
                    "Field 'model' is over " + Limits.MAX_MODEL_ID_CHARS + " characters", action);
        }
        if (!MODEL_ID.matcher(v).matches()) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD,
                    "Field 'model' must be a model id from listModels (provider:name)", action);
        }
        return v;
    }

    private static String busyPolicy(JsonNode root, String action) {
        JsonNode n = root.get("busyPolicy");
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual() || dev.switchboard.domain.BusyPolicy.fromWire(n.asText()) == null) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD,
                    "Field 'busyPolicy' must be one of enqueue, reject, interrupt", action);
        }
        return n.asText();
    }

    /** An optional string field of at most {@code max} characters; blank is refused unless {@code emptyClears}. */
    private static String optionalText(JsonNode root, String action, String field, int max, boolean emptyClears) {
        return optionalText(root, action, field, max, emptyClears, false);
    }

    /** As above; {@code blankIsMissing}: a blank value gets MISSING_FIELD (as a blank {@code text} does). */
    private static String optionalText(JsonNode root, String action, String field, int max, boolean emptyClears,
                                       boolean blankIsMissing) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "Field '" + field + "' must be a string", action);
        }
        String v = n.asText();
        if (v.isBlank()) {
            if (emptyClears && v.isEmpty()) {
                return v;
            }
            throw new ProtocolException(blankIsMissing ? ErrorCode.MISSING_FIELD : ErrorCode.INVALID_FIELD,
                    "Field '" + field + "' must not be blank", action);
        }
        if (v.codePointCount(0, v.length()) > max) {
            throw new ProtocolException(ErrorCode.FIELD_TOO_LONG,
                    "Field '" + field + "' is over " + max + " characters", action);
        }
        return v;
    }

    private static String text(JsonNode root, String action, int maxChars) {
        JsonNode n = root.get("text");
        if (n == null || n.isNull()) {
            throw new ProtocolException(ErrorCode.MISSING_FIELD, "Field 'text' is required", action);
        }
        if (!n.isTextual()) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "Field 'text' must be a string", action);
        }
        String v = n.asText();
        if (v.isBlank()) {
            throw new ProtocolException(ErrorCode.MISSING_FIELD, "Field 'text' must not be blank", action);
        }
        if (v.codePointCount(0, v.length()) > maxChars) {
            throw new ProtocolException(ErrorCode.FIELD_TOO_LONG,
                    "Field 'text' is over " + maxChars + " characters", action);
        }
        return v;
    }

    private static int limit(JsonNode root, String action, int defaultValue) {
        return limit(root, action, defaultValue, Limits.MAX_PAGE);
    }

    private static int limit(JsonNode root, String action, int defaultValue, int max) {
        JsonNode n = root.get("limit");
        if (n == null || n.isNull()) {
            return defaultValue;
        }
        if (!n.isIntegralNumber() || n.asLong() < 1 || n.asLong() > max) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD,
                    "Field 'limit' must be an integer from 1 to " + max, action);
        }
        return n.asInt();
    }

    /** An optional integer field from {@code min} to {@code max}; null when absent. */
    private static Long integer(JsonNode root, String action, String field, long min, long max) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.canConvertToLong() || !n.isIntegralNumber() || n.asLong() < min || n.asLong() > max) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD,
                    "Field '" + field + "' must be an integer from " + min + " to " + max, action);
        }
        return n.asLong();
    }

    private static String cursor(JsonNode root, String action) {
        JsonNode n = root.get("cursor");
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual() || n.asText().isEmpty()) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "Field 'cursor' must be a non-empty string", action);
        }
        if (n.asText().length() > Limits.MAX_CURSOR_CHARS) {
            throw new ProtocolException(ErrorCode.FIELD_TOO_LONG,
                    "Field 'cursor' is over " + Limits.MAX_CURSOR_CHARS + " characters", action);
        }
        return n.asText();
    }

    private static String truncate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }
}
