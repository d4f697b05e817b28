package dev.switchboard.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;

/**
 * Property-based fuzzing of the protocol parser: whatever a client sends, the parser either returns a valid action or
 * refuses it with a protocol error code — never another exception — and an accepted action respects every limit.
 */
class ProtocolCodecFuzzTest {
    private static final ProtocolCodec CODEC = new ProtocolCodec();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:\\-]{1,64}");
    private static final List<String> ACTIONS = List.of("sendMessage", "listSessions", "getHistory", "deleteSession",
            "ping", "createSession", "updateSession", "listModels", "cancel", "approveTool", "denyTool",
            "listMemories", "deleteMemory", "addDocument", "listDocuments", "deleteDocument", "nonsense", "");
    private static final List<String> FIELDS = List.of("action", "clientMessageId", "sessionId", "text", "limit",
            "cursor", "turnId", "toolCallId", "title", "model", "systemPrompt", "busyPolicy", "memoryId", "documentId",
            "userId", "extra");

    /** Parses, and checks the outcome: an action within the limits, or a ProtocolException with a code. */
    private static void parseAndCheck(String frame) {
        ClientAction action;
        try {
            action = CODEC.parse(frame);
        } catch (ProtocolException e) {
            assertThat(e.code()).isNotNull();
            assertThat(e.toEvent()).isInstanceOf(ServerEvent.Error.class);
            return;
        }
        assertThat(action).isNotNull();
        switch (action) {
            case ClientAction.SendMessage m -> {
                assertThat(m.clientMessageId()).matches(ID);
                assertThat(m.text()).isNotBlank();
                assertThat(m.text().codePointCount(0, m.text().length())).isLessThanOrEqualTo(Limits.MAX_TEXT_CHARS);
                if (m.sessionId() != null) {
                    assertThat(m.sessionId()).matches(ID);
                }
            }
            case ClientAction.GetHistory h -> {
                assertThat(h.sessionId()).matches(ID);
                assertThat(h.limit()).isBetween(1, Limits.MAX_PAGE);
            }
            case ClientAction.ListSessions l -> assertThat(l.limit()).isBetween(1, Limits.MAX_PAGE);
            case ClientAction.AddDocument a -> assertThat(a.text().codePointCount(0, a.text().length()))
                    .isLessThanOrEqualTo(Limits.MAX_DOCUMENT_CHARS);
            case ClientAction.DecideTool d -> assertThat(List.of(d.sessionId(), d.turnId(), d.toolCallId()))
                    .allMatch(v -> ID.matcher(v).matches());
            default -> { }
        }
    }

    @Property(tries = 3000)
    void arbitraryTextIsParsedOrRefusedWithACode(@ForAll @StringLength(max = 400) String frame) {
        parseAndCheck(frame);
    }

    @Property(tries = 3000)
    void arbitraryObjectsOfKnownFieldsAreParsedOrRefusedWithACode(@ForAll("frames") String frame) {
        parseAndCheck(frame);
    }

    @Property(tries = 200)
    void nestingBeyondTheLimitIsBadJson(@ForAll @IntRange(min = 17, max = 3000) int depth) {
        String frame = "{\"action\":\"ping\",\"x\":" + "[".repeat(depth) + "]".repeat(depth) + "}";
        try {
            CODEC.parse(frame);
            throw new AssertionError("accepted nesting of " + depth);
        } catch (ProtocolException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.BAD_JSON);
        }
    }

    @Property(tries = 300)
    void truncatedValidFramesAreRefused(@ForAll("frames") String frame, @ForAll @IntRange(min = 1, max = 50) int cut) {
        parseAndCheck(frame.substring(0, Math.max(0, frame.length() - cut)));
    }

    @Provide
    Arbitrary<String> frames() {
        Arbitrary<Object> values = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(80),
                Arbitraries.strings().withChars("abcXYZ019._:-").ofMinLength(1).ofMaxLength(70),
                Arbitraries.of("enqueue", "reject", "interrupt", "offline:switchboard-offline-echo", "", " "),
                Arbitraries.integers().between(-5, 200),
                Arbitraries.of(true, false),
                Arbitraries.doubles().between(-1e6, 1e6),
                Arbitraries.just(List.of(1, "two")),
                Arbitraries.just(Map.of("nested", "object")),
                Arbitraries.strings().ofLength(Limits.MAX_TEXT_CHARS + 1).withChars('x'));
        Arbitrary<Map<String, Object>> fields = Arbitraries.maps(Arbitraries.of(FIELDS), values).ofMaxSize(6);
        return Combinators.combine(Arbitraries.of(ACTIONS), fields, Arbitraries.of(true, false))
                .as((action, more, withAction) -> {
                    ObjectNode o = JSON.createObjectNode();
                    if (withAction) {
                        o.put("action", action);
                    }
                    more.forEach((k, v) -> o.set(k, JSON.valueToTree(v)));
                    return o.toString();
                });
    }
}
