package dev.switchboard.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** exportSession and searchMessages frames and their events (issue 16). */
class ProtocolCodecExportSearchTest {
    private final ProtocolCodec codec = new ProtocolCodec();

    @Test
    void validFramesParse() {
        assertThat(codec.parse("{\"action\":\"exportSession\",\"sessionId\":\"s-1\",\"format\":\"markdown\"}"))
                .isEqualTo(new ClientAction.ExportSession("s-1", ClientAction.ExportFormat.MARKDOWN, null));
        assertThat(codec.parse("{\"action\":\"exportSession\",\"sessionId\":\"s-1\",\"format\":\"json\","
                + "\"cursor\":\"abc\"}"))
                .isEqualTo(new ClientAction.ExportSession("s-1", ClientAction.ExportFormat.JSON, "abc"));
        assertThat(codec.parse("{\"action\":\"searchMessages\",\"query\":\"tea\"}"))
                .isEqualTo(new ClientAction.SearchMessages("tea", Limits.DEFAULT_SEARCH_RESULTS, null));
        assertThat(codec.parse("{\"action\":\"searchMessages\",\"query\":\"茶 tea\",\"limit\":20,\"cursor\":\"c\"}"))
                .isEqualTo(new ClientAction.SearchMessages("茶 tea", 20, "c"));
        assertThat(codec.parse("{\"action\":\"searchMessages\",\"query\":\"" + "q".repeat(Limits.MAX_SEARCH_QUERY_CHARS)
                + "\",\"limit\":1}")).isInstanceOf(ClientAction.SearchMessages.class);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"action\":\"exportSession\",\"format\":\"json\"}|MISSING_FIELD",
            "{\"action\":\"exportSession\",\"sessionId\":\"s-1\"}|MISSING_FIELD",
            "{\"action\":\"exportSession\",\"sessionId\":\"s-1\",\"format\":null}|MISSING_FIELD",
            "{\"action\":\"exportSession\",\"sessionId\":\"s-1\",\"format\":\"pdf\"}|INVALID_FIELD",
            "{\"action\":\"exportSession\",\"sessionId\":\"s-1\",\"format\":\"JSON\"}|INVALID_FIELD",
            "{\"action\":\"exportSession\",\"sessionId\":\"s-1\",\"format\":1}|INVALID_FIELD",
            "{\"action\":\"exportSession\",\"sessionId\":\"s 1\",\"format\":\"json\"}|INVALID_FIELD",
            "{\"action\":\"exportSession\",\"sessionId\":\"s-1\",\"format\":\"json\",\"cursor\":\"\"}|INVALID_FIELD",
            "{\"action\":\"exportSession\",\"sessionId\":\"s-1\",\"format\":\"json\",\"cursor\":7}|INVALID_FIELD",
            "{\"action\":\"exportSession\",\"sessionId\":\"s-1\",\"format\":\"json\",\"limit\":5}|INVALID_FIELD",
            "{\"action\":\"exportSession\",\"sessionId\":\"s-1\",\"format\":\"json\",\"userId\":\"bob\"}|INVALID_FIELD",
            "{\"action\":\"searchMessages\"}|MISSING_FIELD",
            "{\"action\":\"searchMessages\",\"query\":null}|MISSING_FIELD",
            "{\"action\":\"searchMessages\",\"query\":\"   \"}|MISSING_FIELD",
            "{\"action\":\"searchMessages\",\"query\":\"\"}|MISSING_FIELD",
            "{\"action\":\"searchMessages\",\"query\":5}|INVALID_FIELD",
            "{\"action\":\"searchMessages\",\"query\":\"tea\",\"limit\":0}|INVALID_FIELD",
            "{\"action\":\"searchMessages\",\"query\":\"tea\",\"limit\":21}|INVALID_FIELD",
            "{\"action\":\"searchMessages\",\"query\":\"tea\",\"limit\":2.5}|INVALID_FIELD",
            "{\"action\":\"searchMessages\",\"query\":\"tea\",\"limit\":\"5\"}|INVALID_FIELD",
            "{\"action\":\"searchMessages\",\"query\":\"tea\",\"sessionId\":\"s-1\"}|INVALID_FIELD",
            "{\"action\":\"searchMessages\",\"query\":\"tea\",\"userId\":\"bob\"}|INVALID_FIELD"})
    void badFramesAreRefusedWithTheirCode(String frame, ErrorCode code) {
        assertThatThrownBy(() -> codec.parse(frame)).isInstanceOfSatisfying(ProtocolException.class,
                e -> assertThat(e.code()).isEqualTo(code));
    }

    @Test
    void overLongValuesAreRefused() {
        assertThatThrownBy(() -> codec.parse("{\"action\":\"searchMessages\",\"query\":\""
                + "q".repeat(Limits.MAX_SEARCH_QUERY_CHARS + 1) + "\"}"))
                .isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.FIELD_TOO_LONG));
        assertThatThrownBy(() -> codec.parse("{\"action\":\"searchMessages\",\"query\":\"tea\",\"cursor\":\""
                + "c".repeat(Limits.MAX_CURSOR_CHARS + 1) + "\"}"))
                .isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.FIELD_TOO_LONG));
        assertThatThrownBy(() -> codec.parse("{\"action\":\"exportSession\",\"format\":\"json\",\"sessionId\":\""
                + "s".repeat(Limits.MAX_ID_CHARS + 1) + "\"}"))
                .isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.FIELD_TOO_LONG));
        assertThatThrownBy(() -> codec.parse("{\"action\":\"exportSession\",\"sessionId\":\"s-1\",\"format\":\"json\","
                + "\"cursor\":\"" + "c".repeat(Limits.MAX_CURSOR_CHARS + 1) + "\"}"))
                .isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.FIELD_TOO_LONG));
    }

    @Test
    void theEventsHaveTheirWireShapesAndRoundTrip() {
        ServerEvent.Export last = new ServerEvent.Export("s-1", "json", 2, "]}", null);
        assertThat(codec.write(last)).isEqualTo("{\"type\":\"export\",\"sessionId\":\"s-1\",\"format\":\"json\","
                + "\"part\":2,\"content\":\"]}\"}");
        ServerEvent.Export first = new ServerEvent.Export("s-1", "markdown", 1, "# t", "next");
        assertThat(codec.write(first)).endsWith("\"content\":\"# t\",\"nextCursor\":\"next\"}");
        assertThat(codec.readEvent(codec.write(first))).isEqualTo(first);

        ServerEvent.SearchResults results = new ServerEvent.SearchResults("tea", List.of(
                new ServerEvent.SearchHit("s-1", "Drinks", "t-1", "user", "green tea", "2027-01-15T08:00:00Z", 1.5,
                        null),
                new ServerEvent.SearchHit("s-1", "Drinks", "t-0", "assistant", "tea", "2027-01-15T07:00:00Z", 0.7,
                        true)), null);
        assertThat(codec.write(results)).isEqualTo("{\"type\":\"searchResults\",\"query\":\"tea\",\"results\":["
                + "{\"sessionId\":\"s-1\",\"sessionTitle\":\"Drinks\",\"turnId\":\"t-1\",\"role\":\"user\","
                + "\"excerpt\":\"green tea\",\"createdAt\":\"2027-01-15T08:00:00Z\",\"score\":1.5},"
                + "{\"sessionId\":\"s-1\",\"sessionTitle\":\"Drinks\",\"turnId\":\"t-0\",\"role\":\"assistant\","
                + "\"excerpt\":\"tea\",\"createdAt\":\"2027-01-15T07:00:00Z\",\"score\":0.7,\"superseded\":true}]}");
        assertThat(codec.readEvent(codec.write(results))).isEqualTo(results);
    }
}
