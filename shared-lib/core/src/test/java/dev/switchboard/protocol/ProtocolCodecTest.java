package dev.switchboard.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ProtocolCodecTest {
    private final ProtocolCodec codec = new ProtocolCodec();

    private ErrorCode codeOf(String body) {
        try {
            ClientAction parsed = codec.parse(body);
            throw new AssertionError("expected a ProtocolException, parsed " + parsed);
        } catch (ProtocolException e) {
            return e.code();
        }
    }

    private static String nested(int depth) {
        // depth counts the root object: {"action":"ping","x": [ ... ] } with depth-1 arrays
        return "{\"action\":\"ping\",\"x\":" + "[".repeat(depth - 1) + "]".repeat(depth - 1) + "}";
    }

    @Nested
    class Actions {
        @Test
        void sendMessageWithoutSession() {
            assertThat(codec.parse("{\"action\":\"sendMessage\",\"clientMessageId\":\"c-1\",\"text\":\"hi\"}"))
                    .isEqualTo(new ClientAction.SendMessage("c-1", null, "hi"));
        }

        @Test
        void sendMessageWithSession() {
            assertThat(codec.parse("{\"action\":\"sendMessage\",\"clientMessageId\":\"c.1_:x-Y\","
                    + "\"sessionId\":\"s-1\",\"text\":\"  hello  \"}"))
                    .isEqualTo(new ClientAction.SendMessage("c.1_:x-Y", "s-1", "  hello  "));
        }

        @Test
        void sendMessageWithNullSessionIsANewSession() {
            assertThat(codec.parse("{\"action\":\"sendMessage\",\"clientMessageId\":\"c\",\"sessionId\":null,\"text\":\"x\"}"))
                    .isEqualTo(new ClientAction.SendMessage("c", null, "x"));
        }

        @Test
        void listSessionsDefaults() {
            ClientAction a = codec.parse("{\"action\":\"listSessions\"}");
            assertThat(a).isEqualTo(new ClientAction.ListSessions(Limits.DEFAULT_SESSIONS_PAGE, null));
            assertThat(((ClientAction.ListSessions) a).limit()).isEqualTo(20);
            assertThat(a.action()).isEqualTo("listSessions");
        }

        @Test
        void listSessionsWithLimitAndCursor() {
            assertThat(codec.parse("{\"action\":\"listSessions\",\"limit\":7,\"cursor\":\"abc\"}"))
                    .isEqualTo(new ClientAction.ListSessions(7, "abc"));
        }

        @Test
        void getHistoryDefaults() {
            ClientAction a = codec.parse("{\"action\":\"getHistory\",\"sessionId\":\"s1\"}");
            assertThat(a).isEqualTo(new ClientAction.GetHistory("s1", Limits.DEFAULT_HISTORY_PAGE, null));
            assertThat(((ClientAction.GetHistory) a).limit()).isEqualTo(50);
            assertThat(a.action()).isEqualTo("getHistory");
        }

        @Test
        void getHistoryWithLimitAndCursor() {
            assertThat(codec.parse("{\"action\":\"getHistory\",\"sessionId\":\"s1\",\"limit\":100,\"cursor\":\"c\"}"))
                    .isEqualTo(new ClientAction.GetHistory("s1", 100, "c"));
            assertThat(codec.parse("{\"action\":\"getHistory\",\"sessionId\":\"s1\",\"limit\":1}"))
                    .isEqualTo(new ClientAction.GetHistory("s1", 1, null));
        }

        @Test
        void deleteSession() {
            ClientAction a = codec.parse("{\"action\":\"deleteSession\",\"sessionId\":\"s1\"}");
            assertThat(a).isEqualTo(new ClientAction.DeleteSession("s1"));
            assertThat(a.action()).isEqualTo("deleteSession");
        }

        @Test
        void ping() {
            ClientAction a = codec.parse("{\"action\":\"ping\"}");
            assertThat(a).isEqualTo(new ClientAction.Ping());
            assertThat(a.action()).isEqualTo("ping");
        }

        @Test
        void idOfExactlyMaxLengthIsAccepted() {
            String id = "a".repeat(Limits.MAX_ID_CHARS);
            assertThat(codec.parse("{\"action\":\"deleteSession\",\"sessionId\":\"" + id + "\"}"))
                    .isEqualTo(new ClientAction.DeleteSession(id));
        }

        @Test
        void textOfExactlyMaxCodePointsIsAccepted() {
            String text = "\uD83D\uDE00".repeat(Limits.MAX_TEXT_CHARS); // 16 000 code points, 32 000 chars
            ClientAction a = codec.parse("{\"action\":\"sendMessage\",\"clientMessageId\":\"c\",\"text\":\"" + text + "\"}");
            assertThat(((ClientAction.SendMessage) a).text()).isEqualTo(text);
        }

        @Test
        void nestingAtTheLimitIsNotBadJson() {
            // exactly MAX_JSON_DEPTH levels parse; the extra field is then refused as not part of the action
            assertThat(codeOf(nested(Limits.MAX_JSON_DEPTH))).isEqualTo(ErrorCode.INVALID_FIELD);
        }
    }

    @Nested
    class Errors {
        @ParameterizedTest
        @ValueSource(strings = {"", " ", "\n\t "})
        void emptyOrBlankIsBadJson(String body) {
            assertThat(codeOf(body)).isEqualTo(ErrorCode.BAD_JSON);
        }

        @Test
        void nullIsBadJson() {
            assertThat(codeOf(null)).isEqualTo(ErrorCode.BAD_JSON);
        }

        @ParameterizedTest
        @ValueSource(strings = {"not json", "{", "{\"action\":}", "{\"action\":\"ping\"", "{'action':'ping'}",
                "[{\"action\":\"ping\"}]", "[]", "\"ping\"", "42", "null", "true"})
        void nonObjectIsBadJson(String body) {
            assertThat(codeOf(body)).isEqualTo(ErrorCode.BAD_JSON);
        }

        @Test
        void nestingDeeperThanTheLimitIsBadJson() {
            assertThat(codeOf(nested(Limits.MAX_JSON_DEPTH + 1))).isEqualTo(ErrorCode.BAD_JSON);
            assertThat(codeOf(nested(200))).isEqualTo(ErrorCode.BAD_JSON);
            assertThat(codeOf("{\"action\":\"ping\",\"x\":" + "{\"a\":".repeat(40) + "1" + "}".repeat(40) + "}"))
                    .isEqualTo(ErrorCode.BAD_JSON);
        }

        /**
         * A frame is exactly one JSON object (docs/protocol.md); content after it makes the frame invalid JSON.
         * Fails today: the parser reads the first value and ignores the rest, so the second frame below is a ping.
         */
        @ParameterizedTest
        @ValueSource(strings = {"{\"action\":\"ping\"} x", "{\"action\":\"ping\"}]",
                "{\"action\":\"ping\"}{\"action\":\"deleteSession\",\"sessionId\":\"s1\"}"})
        void contentAfterTheObjectIsBadJson(String body) {
            assertThat(codeOf(body)).isEqualTo(ErrorCode.BAD_JSON);
        }

        @Test
        void whitespaceAroundTheObjectIsFine() {
            assertThat(codec.parse(" \n{\"action\":\"ping\"}\r\n ")).isEqualTo(new ClientAction.Ping());
        }

        @ParameterizedTest
        @ValueSource(strings = {"{}", "{\"text\":\"hi\"}", "{\"action\":null}", "{\"action\":42}",
                "{\"action\":true}", "{\"action\":[\"ping\"]}", "{\"action\":{\"name\":\"ping\"}}",
                "{\"action\":\"fly\"}", "{\"action\":\"\"}", "{\"action\":\"Ping\"}", "{\"action\":\"ping \"}"})
        void missingNonStringOrUnknownActionIsUnknownAction(String body) {
            assertThat(codeOf(body)).isEqualTo(ErrorCode.UNKNOWN_ACTION);
        }

        @ParameterizedTest
        @ValueSource(strings = {
                "{\"action\":\"sendMessage\",\"text\":\"hi\"}",
                "{\"action\":\"sendMessage\",\"clientMessageId\":null,\"text\":\"hi\"}",
                "{\"action\":\"sendMessage\",\"clientMessageId\":\"c\"}",
                "{\"action\":\"sendMessage\",\"clientMessageId\":\"c\",\"text\":null}",
                "{\"action\":\"sendMessage\",\"clientMessageId\":\"c\",\"text\":\"\"}",
                "{\"action\":\"sendMessage\",\"clientMessageId\":\"c\",\"text\":\"  \\n \"}",
                "{\"action\":\"getHistory\"}",
                "{\"action\":\"getHistory\",\"limit\":5}",
                "{\"action\":\"deleteSession\"}",
                "{\"action\":\"deleteSession\",\"sessionId\":null}"})
        void missingRequiredFieldIsMissingField(String body) {
            assertThat(codeOf(body)).isEqualTo(ErrorCode.MISSING_FIELD);
        }

        @ParameterizedTest
        @ValueSource(strings = {
                // wrong types
                "{\"action\":\"sendMessage\",\"clientMessageId\":123,\"text\":\"hi\"}",
                "{\"action\":\"sendMessage\",\"clientMessageId\":\"c\",\"text\":5}",
                "{\"action\":\"sendMessage\",\"clientMessageId\":\"c\",\"text\":[\"hi\"]}",
                "{\"action\":\"sendMessage\",\"clientMessageId\":\"c\",\"sessionId\":true,\"text\":\"hi\"}",
                "{\"action\":\"getHistory\",\"sessionId\":{\"id\":\"s\"}}",
                "{\"action\":\"listSessions\",\"cursor\":5}",
                "{\"action\":\"listSessions\",\"cursor\":\"\"}",
                // unknown fields
                "{\"action\":\"ping\",\"extra\":1}",
                "{\"action\":\"ping\",\"sessionId\":\"s\"}",
                "{\"action\":\"sendMessage\",\"clientMessageId\":\"c\",\"text\":\"hi\",\"userId\":\"someone-else\"}",
                "{\"action\":\"listSessions\",\"sessionId\":\"s\"}",
                "{\"action\":\"getHistory\",\"sessionId\":\"s\",\"text\":\"x\"}",
                "{\"action\":\"deleteSession\",\"sessionId\":\"s\",\"limit\":1}",
                // bad id characters
                "{\"action\":\"deleteSession\",\"sessionId\":\"a b\"}",
                "{\"action\":\"deleteSession\",\"sessionId\":\"a/b\"}",
                "{\"action\":\"deleteSession\",\"sessionId\":\"a#b\"}",
                "{\"action\":\"deleteSession\",\"sessionId\":\"\u00fc\"}",
                "{\"action\":\"deleteSession\",\"sessionId\":\"\"}",
                "{\"action\":\"sendMessage\",\"clientMessageId\":\"c\\n\",\"text\":\"hi\"}",
                "{\"action\":\"getHistory\",\"sessionId\":\"../etc\"}",
                // limits
                "{\"action\":\"listSessions\",\"limit\":0}",
                "{\"action\":\"listSessions\",\"limit\":101}",
                "{\"action\":\"listSessions\",\"limit\":-1}",
                "{\"action\":\"listSessions\",\"limit\":2.5}",
                "{\"action\":\"listSessions\",\"limit\":\"10\"}",
                "{\"action\":\"listSessions\",\"limit\":true}",
                "{\"action\":\"listSessions\",\"limit\":4294967297}",
                "{\"action\":\"getHistory\",\"sessionId\":\"s\",\"limit\":0}",
                "{\"action\":\"getHistory\",\"sessionId\":\"s\",\"limit\":101}",
                "{\"action\":\"getHistory\",\"sessionId\":\"s\",\"limit\":1e1}"})
        void wrongTypeUnknownFieldBadIdOrBadLimitIsInvalidField(String body) {
            assertThat(codeOf(body)).isEqualTo(ErrorCode.INVALID_FIELD);
        }

        @Test
        void textOverTheLimitIsFieldTooLong() {
            String ascii = "a".repeat(Limits.MAX_TEXT_CHARS + 1);
            assertThat(codeOf("{\"action\":\"sendMessage\",\"clientMessageId\":\"c\",\"text\":\"" + ascii + "\"}"))
                    .isEqualTo(ErrorCode.FIELD_TOO_LONG);
            String emoji = "\uD83D\uDE00".repeat(Limits.MAX_TEXT_CHARS + 1); // counted in code points
            assertThat(codeOf("{\"action\":\"sendMessage\",\"clientMessageId\":\"c\",\"text\":\"" + emoji + "\"}"))
                    .isEqualTo(ErrorCode.FIELD_TOO_LONG);
        }

        @Test
        void idOverTheLimitIsFieldTooLong() {
            String id = "a".repeat(Limits.MAX_ID_CHARS + 1);
            assertThat(codeOf("{\"action\":\"deleteSession\",\"sessionId\":\"" + id + "\"}"))
                    .isEqualTo(ErrorCode.FIELD_TOO_LONG);
            assertThat(codeOf("{\"action\":\"sendMessage\",\"clientMessageId\":\"" + id + "\",\"text\":\"x\"}"))
                    .isEqualTo(ErrorCode.FIELD_TOO_LONG);
            assertThat(codeOf("{\"action\":\"sendMessage\",\"clientMessageId\":\"c\",\"sessionId\":\"" + id
                    + "\",\"text\":\"x\"}")).isEqualTo(ErrorCode.FIELD_TOO_LONG);
        }

        @Test
        void cursorOverTheLimitIsFieldTooLong() {
            String cursor = "c".repeat(Limits.MAX_CURSOR_CHARS + 1);
            assertThat(codeOf("{\"action\":\"listSessions\",\"cursor\":\"" + cursor + "\"}"))
                    .isEqualTo(ErrorCode.FIELD_TOO_LONG);
        }

        @Test
        void frameOverTheLimitIsMessageTooLarge() {
            String body = "{\"action\":\"sendMessage\",\"clientMessageId\":\"c\",\"text\":\""
                    + "a".repeat(Limits.MAX_FRAME_BYTES) + "\"}";
            assertThat(codeOf(body)).isEqualTo(ErrorCode.MESSAGE_TOO_LARGE);
        }

        @Test
        void frameLimitCountsUtf8BytesNotChars() {
            // 45 000 chars, but 135 000 bytes in UTF-8
            String body = "{\"action\":\"sendMessage\",\"clientMessageId\":\"c\",\"text\":\"" + "\u20ac".repeat(45_000) + "\"}";
            assertThat(body.length()).isLessThan(Limits.MAX_FRAME_BYTES);
            assertThat(body.getBytes(StandardCharsets.UTF_8).length).isGreaterThan(Limits.MAX_FRAME_BYTES);
            assertThat(codeOf(body)).isEqualTo(ErrorCode.MESSAGE_TOO_LARGE);
        }

        @Test
        void oversizedGarbageIsMessageTooLargeNotBadJson() {
            assertThat(codeOf("x".repeat(Limits.MAX_FRAME_BYTES + 1))).isEqualTo(ErrorCode.MESSAGE_TOO_LARGE);
        }

        @Test
        void errorEventCarriesCodeAndAction() {
            assertThatThrownBy(() -> codec.parse("{\"action\":\"listSessions\",\"limit\":0}"))
                    .isInstanceOfSatisfying(ProtocolException.class, e -> {
                        ServerEvent.Error ev = e.toEvent();
                        assertThat(ev.code()).isEqualTo("INVALID_FIELD");
                        assertThat(ev.action()).isEqualTo("listSessions");
                        assertThat(ev.message()).contains("limit");
                    });
        }

        @Test
        void unknownActionIsNotEchoedInFull() {
            String longName = "x".repeat(500);
            assertThatThrownBy(() -> codec.parse("{\"action\":\"" + longName + "\"}"))
                    .isInstanceOfSatisfying(ProtocolException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_ACTION);
                        assertThat(e.getMessage()).doesNotContain(longName).hasSizeLessThan(100);
                    });
        }
    }

    @Nested
    class Events {
        static Stream<Arguments> events() {
            return Stream.of(
                    Arguments.of(new ServerEvent.Accepted("s1", "t1", "c1", false), "accepted"),
                    Arguments.of(new ServerEvent.Accepted("s1", "t1", "c1", true), "accepted"),
                    Arguments.of(new ServerEvent.Delta("s1", "t1", 3, "Hel\u00e9 \uD83D\uDE00 \"q\"\n"), "delta"),
                    Arguments.of(new ServerEvent.Done("s1", "t1", 4, "gpt", false, "STOP",
                            new ServerEvent.Usage(12, 3, 15), new ServerEvent.Timings(5, 6, 7)), "done"),
                    Arguments.of(new ServerEvent.Error("TURN_FAILED", "boom", "sendMessage", "s1", "t1", "c1"), "error"),
                    Arguments.of(ServerEvent.Error.of(ErrorCode.BAD_JSON, "bad"), "error"),
                    Arguments.of(new ServerEvent.Sessions(List.of(
                            new ServerEvent.SessionSummary("s1", "Title", "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z"),
                            new ServerEvent.SessionSummary("s2", "T2", "2024-01-03T00:00:00Z", "2024-01-03T00:00:00Z")),
                            "next"), "sessions"),
                    Arguments.of(new ServerEvent.Sessions(List.of(), null), "sessions"),
                    Arguments.of(new ServerEvent.History("s1", List.of(
                            new ServerEvent.HistoryMessage("t1", "user", "hi", "2024-01-01T00:00:00Z", null, null),
                            new ServerEvent.HistoryMessage("t1", "assistant", "yo", "2024-01-01T00:00:01Z", "m", true)),
                            null), "history"),
                    Arguments.of(new ServerEvent.SessionDeleted("s1", 4), "sessionDeleted"),
                    Arguments.of(new ServerEvent.Pong(1_700_000_000_000L), "pong"));
        }

        @ParameterizedTest
        @MethodSource("events")
        void roundTrip(ServerEvent event, String type) {
            String json = codec.write(event);
            assertThat(json).contains("\"type\":\"" + type + "\"");
            assertThat(codec.readEvent(json)).isEqualTo(event);
        }

        @Test
        void nullFieldsAreLeftOut() {
            String json = codec.write(ServerEvent.Error.of(ErrorCode.INTERNAL, "oops"));
            assertThat(json).doesNotContain("null").doesNotContain("sessionId");
        }

        @Test
        void deltaFieldsAreOnTheWire() {
            String json = codec.write(new ServerEvent.Delta("s1", "t1", 0, "Hel"));
            assertThat(json).contains("\"sessionId\":\"s1\"", "\"turnId\":\"t1\"", "\"seq\":0", "\"text\":\"Hel\"");
        }

        @Test
        void readEventRejectsNonEvents() {
            assertThatThrownBy(() -> codec.readEvent("{\"type\":\"nope\"}")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> codec.readEvent("not json")).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
