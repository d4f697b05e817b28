package dev.switchboard.domain;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.protocol.ProtocolCodec;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The enums of the turn engine keep the lowercase strings stored in DynamoDB and sent on the queue and the wire. */
class WireValuesTest {
    private final ObjectMapper json = new ProtocolCodec().mapper();

    @Test
    void toolStatusesKeepTheirStoredStrings() {
        assertThat(Arrays.stream(ToolStatus.values()).map(ToolStatus::wire))
                .containsExactly("pending", "approved", "denied", "running", "done", "failed");
        for (ToolStatus s : ToolStatus.values()) {
            assertThat(ToolStatus.fromWire(s.wire())).isSameAs(s);
        }
        assertThat(ToolStatus.fromWire("cancelled")).isNull();
    }

    @Test
    void aStoredToolCallHasAToolStatusAndAnAnswerHasNone() {
        var call = StoredMessage.toolCall("u", "s", "t", "", 1, ToolStatus.PENDING,
                new ToolCall(ToolCall.step(1, 2), "c", "n", "{}", null, 0));
        assertThat(call.status()).isEqualTo("pending");
        assertThat(call.toolStatus()).isEqualTo(ToolStatus.PENDING);
        assertThat(call.withStatus(ToolStatus.APPROVED, "").status()).isEqualTo("approved");
        assertThat(call.tool().step()).isEqualTo(102);
        assertThat(call.tool().round()).isEqualTo(1);
        assertThat(call.tool().index()).isEqualTo(2);
        var answer = new StoredMessage("u", "s", "t", Role.ASSISTANT, "x", 1, "m", StoredMessage.CANCELLED, null);
        assertThat(answer.toolStatus()).isNull();
    }

    @Test
    void queuedJobsKeepTheirJson() throws Exception {
        var turn = new TurnRequest("u", "s", "t", "c", 5);
        var resume = new TurnRequest("u", "s", "t", null, 5, TurnRequest.Kind.RESUME, "0");
        assertThat(json.writeValueAsString(turn)).isEqualTo("{\"userId\":\"u\",\"sessionId\":\"s\",\"turnId\":\"t\","
                + "\"clientMessageId\":\"c\",\"enqueuedAt\":5,\"kind\":null,\"ref\":null,\"correlationId\":null}");
        assertThat(json.writeValueAsString(resume)).contains("\"kind\":\"resume\"");
        for (TurnRequest r : new TurnRequest[] {turn, resume,
                new TurnRequest("u", null, "t", null, 5, TurnRequest.Kind.MEMORY, null),
                new TurnRequest("u", null, "d", null, 5, TurnRequest.Kind.INDEX, null)}) {
            assertThat(json.readValue(json.writeValueAsString(r), TurnRequest.class)).isEqualTo(r);
        }
        assertThat(json.readValue("{\"userId\":\"u\",\"sessionId\":\"s\",\"turnId\":\"t\",\"enqueuedAt\":5,"
                + "\"kind\":\"memory\"}", TurnRequest.class).kind()).isEqualTo(TurnRequest.Kind.MEMORY);
        assertThat(resume.deduplicationId()).isEqualTo("resume-t-0");
    }

    @Test
    void resumeStatusesKeepTheirStrings() {
        assertThat(Arrays.stream(ResumeStatus.values()).map(ResumeStatus::wire))
                .containsExactly("running", "stopped", "cancelled", "answered");
    }
}
