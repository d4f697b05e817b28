package dev.switchboard.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** regenerate, editMessage and rateMessage frames (issue 16). */
class ProtocolCodecBranchActionsTest {
    private final ProtocolCodec codec = new ProtocolCodec();

    @Test
    void validFramesParse() {
        assertThat(codec.parse("{\"action\":\"regenerate\",\"sessionId\":\"s-1\",\"turnId\":\"t-1\"}"))
                .isEqualTo(new ClientAction.Regenerate("s-1", "t-1"));
        assertThat(codec.parse("{\"action\":\"editMessage\",\"sessionId\":\"s-1\",\"turnId\":\"t-1\","
                + "\"clientMessageId\":\"c-1\",\"text\":\"new\"}"))
                .isEqualTo(new ClientAction.EditMessage("s-1", "t-1", "c-1", "new"));
        assertThat(codec.parse("{\"action\":\"rateMessage\",\"sessionId\":\"s-1\",\"turnId\":\"t-1\","
                + "\"rating\":\"up\",\"comment\":\"good\"}"))
                .isEqualTo(new ClientAction.RateMessage("s-1", "t-1", "up", "good"));
        assertThat(codec.parse("{\"action\":\"rateMessage\",\"sessionId\":\"s-1\",\"turnId\":\"t-1\","
                + "\"rating\":null}"))
                .isEqualTo(new ClientAction.RateMessage("s-1", "t-1", null, null));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"action\":\"regenerate\",\"sessionId\":\"s-1\"}|MISSING_FIELD",
            "{\"action\":\"regenerate\",\"sessionId\":\"s-1\",\"turnId\":\"t\",\"text\":\"x\"}|INVALID_FIELD",
            "{\"action\":\"regenerate\",\"sessionId\":\"s 1\",\"turnId\":\"t\"}|INVALID_FIELD",
            "{\"action\":\"editMessage\",\"sessionId\":\"s-1\",\"turnId\":\"t\",\"text\":\"x\"}|MISSING_FIELD",
            "{\"action\":\"editMessage\",\"sessionId\":\"s-1\",\"turnId\":\"t\",\"clientMessageId\":\"c\"}|MISSING_FIELD",
            "{\"action\":\"editMessage\",\"sessionId\":\"s-1\",\"turnId\":\"t\",\"clientMessageId\":\"c\",\"text\":\"x\",\"model\":\"m\"}|INVALID_FIELD",
            "{\"action\":\"rateMessage\",\"sessionId\":\"s-1\",\"turnId\":\"t\"}|MISSING_FIELD",
            "{\"action\":\"rateMessage\",\"sessionId\":\"s-1\",\"turnId\":\"t\",\"rating\":\"meh\"}|INVALID_FIELD",
            "{\"action\":\"rateMessage\",\"sessionId\":\"s-1\",\"turnId\":\"t\",\"rating\":1}|INVALID_FIELD",
            "{\"action\":\"rateMessage\",\"sessionId\":\"s-1\",\"turnId\":\"t\",\"rating\":null,\"comment\":\"x\"}|INVALID_FIELD",
            "{\"action\":\"rateMessage\",\"sessionId\":\"s-1\",\"turnId\":\"t\",\"rating\":\"up\",\"stars\":5}|INVALID_FIELD"})
    void badFramesAreRefusedWithTheirCode(String frame, ErrorCode code) {
        assertThatThrownBy(() -> codec.parse(frame)).isInstanceOfSatisfying(ProtocolException.class,
                e -> assertThat(e.code()).isEqualTo(code));
    }

    @Test
    void overLongValuesAreRefused() {
        String longText = "x".repeat(Limits.MAX_TEXT_CHARS + 1);
        assertThatThrownBy(() -> codec.parse("{\"action\":\"editMessage\",\"sessionId\":\"s-1\",\"turnId\":\"t\","
                + "\"clientMessageId\":\"c\",\"text\":\"" + longText + "\"}"))
                .isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.FIELD_TOO_LONG));
        String longComment = "x".repeat(Limits.MAX_RATING_COMMENT_CHARS + 1);
        assertThatThrownBy(() -> codec.parse("{\"action\":\"rateMessage\",\"sessionId\":\"s-1\",\"turnId\":\"t\","
                + "\"rating\":\"down\",\"comment\":\"" + longComment + "\"}"))
                .isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.FIELD_TOO_LONG));
        assertThatThrownBy(() -> codec.parse("{\"action\":\"regenerate\",\"sessionId\":\"s-1\",\"turnId\":\""
                + "t".repeat(Limits.MAX_ID_CHARS + 1) + "\"}"))
                .isInstanceOfSatisfying(ProtocolException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.FIELD_TOO_LONG));
    }

    @Test
    void theNewEventsAndHistoryFieldsRoundTrip() {
        ServerEvent rated = new ServerEvent.Rated("s-1", "t-1", "up", null);
        assertThat(codec.write(rated)).isEqualTo("{\"type\":\"rated\",\"sessionId\":\"s-1\",\"turnId\":\"t-1\","
                + "\"rating\":\"up\"}");
        assertThat(codec.readEvent(codec.write(rated))).isEqualTo(rated);
        ServerEvent.Accepted a = new ServerEvent.Accepted("s-1", "t-2", null, false, "t-1", null);
        assertThat(codec.write(a)).isEqualTo("{\"type\":\"accepted\",\"sessionId\":\"s-1\",\"turnId\":\"t-2\","
                + "\"duplicate\":false,\"regenerates\":\"t-1\"}");
        assertThat(codec.write(new ServerEvent.Accepted("s-1", "t-2", "c-1", false)))
                .doesNotContain("regenerates").doesNotContain("edits");
    }
}
