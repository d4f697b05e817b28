package dev.switchboard.usecase;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.domain.Branch;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.Session;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.ToolCall;
import dev.switchboard.domain.ToolStatus;
import dev.switchboard.protocol.ClientAction;
import dev.switchboard.protocol.ClientAction.ExportFormat;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.ServerEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** exportSession against the in-memory stores: paging, the two formats, a message larger than a part, cursors. */
class SessionExportTest extends IngressTestBed {
    /** Small enough that a few messages fill a part; the envelope takes about 500 of it. */
    private static final int SMALL_REPLY = 1_600;
    private static final String SESSION = "s-trip";
    private String big;
    private String t1;
    private String t2;
    private String t3;

    @BeforeEach
    void seed() {
        long t = now.get();
        sessions.createIfAbsent(new Session(ALICE, SESSION, "Trip \"plans\"", t, t));
        t1 = ids.newTurnId(t + 1_000);
        t2 = ids.newTurnId(t + 2_000);
        t3 = ids.newTurnId(t + 3_000);
        put(t1, Role.USER, "What is 2+2?", null, Branch.NONE);
        messages.putIfAbsent(StoredMessage.toolCall(ALICE, SESSION, t1, "4", t + 1_100, ToolStatus.DONE,
                new ToolCall(ToolCall.step(0, 0), "call-1", "calculate", "{\"expression\":\"2+2\"}", null, 0)));
        put(t1, Role.ASSISTANT, "It is 4 (the old answer).", GPT, new Branch(null, null, true));
        // t2 regenerates t1: a hidden copy of the question, then the current answer
        put(t2, Role.USER, "What is 2+2?", null, Branch.answerOf(t1));
        put(t2, Role.ASSISTANT, "Four.", GPT, Branch.NONE);
        StringBuilder b = new StringBuilder();
        for (int i = 0; b.length() < 6_000; i++) {
            b.append("Line ").append(i).append(": \"東京\" tab\tand é — ").append("\uD83D\uDE00").append('\n');
        }
        big = b.toString();
        put(t3, Role.USER, "Write a long text", null, Branch.NONE);
        put(t3, Role.ASSISTANT, big, GPT, Branch.NONE);
        messages.putIfAbsent(new StoredMessage(BOB, SESSION, ids.newTurnId(t + 4_000), Role.USER, "Bob's secret",
                t + 4_000, null));
    }

    private void put(String turnId, Role role, String text, String model, Branch branch) {
        long at = Long.parseLong(turnId.substring(0, 13)) + (role == Role.USER ? 0 : 500);
        messages.putIfAbsent(new StoredMessage(ALICE, SESSION, turnId, role, text, at, model, null, null, null,
                branch, null));
    }

    private SessionExport export(int replyBytes) {
        return new SessionExport(codec, sessions, messages, now::get, replyBytes);
    }

    /** Every part from the first, in order. */
    private List<ServerEvent.Export> parts(String user, ExportFormat format, int replyBytes) {
        SessionExport export = export(replyBytes);
        List<ServerEvent.Export> out = new ArrayList<>();
        String cursor = null;
        do {
            ServerEvent e = export.export(user, new ClientAction.ExportSession(SESSION, format, cursor));
            assertThat(e).isInstanceOf(ServerEvent.Export.class);
            ServerEvent.Export part = (ServerEvent.Export) e;
            assertThat(part.part()).isEqualTo(out.size() + 1);
            assertThat(codec.size(part)).as("part %d fits the reply", part.part()).isLessThanOrEqualTo(replyBytes);
            out.add(part);
            cursor = part.nextCursor();
        } while (cursor != null && out.size() < 500);
        assertThat(cursor).as("the last part has no cursor").isNull();
        return out;
    }

    private static String joined(List<ServerEvent.Export> parts) {
        StringBuilder s = new StringBuilder();
        parts.forEach(p -> s.append(p.content()));
        return s.toString();
    }

    @Test
    void markdownIsTheCurrentBranchOldestFirstWithToolCallsAndTheBigAnswerWhole() {
        List<ServerEvent.Export> one = parts(ALICE, ExportFormat.MARKDOWN, 1_000_000);
        assertThat(one).hasSize(1);
        String doc = one.get(0).content();

        assertThat(doc).startsWith("# Trip \"plans\"\n\n## User · ");
        assertThat(doc).contains("- Tool call `calculate`: done");
        assertThat(doc).contains("## Assistant · " + GPT + " · ").contains("Four.").contains(big);
        assertThat(doc).as("superseded answer").doesNotContain("the old answer");
        assertThat(doc.split("What is 2\\+2\\?", -1)).as("the hidden copy is not shown again").hasSize(2);
        assertThat(doc.indexOf("What is 2+2?")).isLessThan(doc.indexOf("Four.")).isLessThan(doc.indexOf(big));
        assertThat(doc).doesNotContain("Bob's secret");
    }

    @Test
    void pagedMarkdownJoinsIntoTheWholeDocumentAndSplitsTheBigMessageAcrossParts() {
        String whole = joined(parts(ALICE, ExportFormat.MARKDOWN, 1_000_000));
        List<ServerEvent.Export> parts = parts(ALICE, ExportFormat.MARKDOWN, SMALL_REPLY);

        assertThat(parts.size()).as("the 6,000-character answer needs several parts").isGreaterThan(6);
        assertThat(joined(parts)).isEqualTo(whole);
        assertThat(parts.stream().filter(p -> big.contains(p.content()) && !p.content().isEmpty()).count())
                .as("parts that hold nothing but a piece of the big answer").isGreaterThanOrEqualTo(3);
    }

    @Test
    void pagedJsonJoinsIntoOneValidDocumentWithEveryMessageAsInHistory() throws Exception {
        String whole = joined(parts(ALICE, ExportFormat.JSON, 1_000_000));
        List<ServerEvent.Export> parts = parts(ALICE, ExportFormat.JSON, SMALL_REPLY);
        assertThat(parts.size()).isGreaterThan(6);
        assertThat(joined(parts)).isEqualTo(whole);

        JsonNode doc = codec.mapper().readTree(joined(parts));
        assertThat(doc.get("sessionId").asText()).isEqualTo(SESSION);
        assertThat(doc.get("title").asText()).isEqualTo("Trip \"plans\"");
        assertThat(doc.get("exportedAt").asText()).isEqualTo(java.time.Instant.ofEpochMilli(now.get()).toString());
        JsonNode m = doc.get("messages");
        List<String> shape = new ArrayList<>();
        m.forEach(n -> shape.add(n.get("role").asText() + (n.has("superseded") ? "*" : "")));
        assertThat(shape).as("the hidden copy left out as in history; the superseded answer kept, marked")
                .containsExactly("user", "tool", "assistant*", "assistant", "user", "assistant");
        assertThat(m.get(1).get("toolName").asText()).isEqualTo("calculate");
        assertThat(m.get(1).get("status").asText()).isEqualTo("done");
        assertThat(m.get(3).get("answerOf").asText()).isEqualTo(t1);
        assertThat(m.get(3).get("model").asText()).isEqualTo(GPT);
        assertThat(m.get(5).get("text").asText()).isEqualTo(big);
        assertThat(m.get(5).has("truncated")).as("never truncated in an export").isFalse();
    }

    @Test
    void anEmptySessionIsOneValidPart() throws Exception {
        sessions.createIfAbsent(new Session(ALICE, "s-empty", "Empty", 1, 1));
        ServerEvent.Export e = (ServerEvent.Export) export(SMALL_REPLY).export(ALICE,
                new ClientAction.ExportSession("s-empty", ExportFormat.JSON, null));
        assertThat(e.nextCursor()).isNull();
        assertThat(codec.mapper().readTree(e.content()).get("messages")).isEmpty();
        ServerEvent.Export md = (ServerEvent.Export) export(SMALL_REPLY).export(ALICE,
                new ClientAction.ExportSession("s-empty", ExportFormat.MARKDOWN, null));
        assertThat(md.content()).isEqualTo("# Empty\n\n");
    }

    @Test
    void aMissingOrAnotherUsersSessionIsNotFoundAlike() {
        ChatIngress ingress = new ChatIngress(codec, sessions, messages, queue, ids, now::get);
        ServerEvent missing = ingress.handle(ALICE, "{\"action\":\"exportSession\",\"sessionId\":\"s-none\","
                + "\"format\":\"json\"}");
        ServerEvent foreign = ingress.handle(BOB, "{\"action\":\"exportSession\",\"sessionId\":\"" + SESSION
                + "\",\"format\":\"json\"}");
        assertThat(missing).isEqualTo(ServerEvent.Error.sessionNotFound("exportSession", "s-none"));
        assertThat(foreign).isEqualTo(ServerEvent.Error.sessionNotFound("exportSession", SESSION));
    }

    @Test
    void theCursorIsBoundToUserSessionAndFormatAndAForgedOneIsAnInvalidField() {
        sessions.createIfAbsent(new Session(ALICE, "s-other", "Other", 1, 1));
        sessions.createIfAbsent(new Session(BOB, SESSION, "Bob's", 1, 1));
        String cursor = parts(ALICE, ExportFormat.MARKDOWN, SMALL_REPLY).get(0).nextCursor();
        SessionExport export = export(SMALL_REPLY);

        assertThat(export.export(ALICE, new ClientAction.ExportSession(SESSION, ExportFormat.MARKDOWN, cursor)))
                .isInstanceOf(ServerEvent.Export.class);
        ChatIngress ingress = new ChatIngress(codec, sessions, messages, queue, ids, now::get);
        for (String frame : List.of(
                "{\"action\":\"exportSession\",\"sessionId\":\"" + SESSION + "\",\"format\":\"json\",\"cursor\":\""
                        + cursor + "\"}",
                "{\"action\":\"exportSession\",\"sessionId\":\"s-other\",\"format\":\"markdown\",\"cursor\":\""
                        + cursor + "\"}",
                "{\"action\":\"exportSession\",\"sessionId\":\"" + SESSION + "\",\"format\":\"markdown\","
                        + "\"cursor\":\"bm90LWEtY3Vyc29y\"}",
                "{\"action\":\"exportSession\",\"sessionId\":\"" + SESSION + "\",\"format\":\"markdown\","
                        + "\"cursor\":\"%%%\"}")) {
            ServerEvent e = ingress.handle(ALICE, frame);
            assertThat(e).as(frame).isInstanceOfSatisfying(ServerEvent.Error.class, err -> {
                assertThat(err.code()).isEqualTo(ErrorCode.INVALID_FIELD.name());
                assertThat(err.action()).isEqualTo("exportSession");
            });
        }
        ServerEvent bob = ingress.handle(BOB, "{\"action\":\"exportSession\",\"sessionId\":\"" + SESSION
                + "\",\"format\":\"markdown\",\"cursor\":\"" + cursor + "\"}");
        assertThat(bob).as("Alice's cursor with Bob's session of the same id")
                .isInstanceOfSatisfying(ServerEvent.Error.class,
                        err -> assertThat(err.code()).isEqualTo(ErrorCode.INVALID_FIELD.name()));
    }

    @Test
    void theMessageRouteAnswersExportSessionWithTheFirstPart() {
        ChatIngress ingress = new ChatIngress(codec, sessions, messages, queue, ids, now::get);
        ServerEvent e = ingress.handle(ALICE, "{\"action\":\"exportSession\",\"sessionId\":\"" + SESSION
                + "\",\"format\":\"markdown\"}");
        assertThat(e).isInstanceOfSatisfying(ServerEvent.Export.class, x -> {
            assertThat(x.part()).isEqualTo(1);
            assertThat(x.format()).isEqualTo("markdown");
            assertThat(x.content()).contains(big);
            assertThat(x.nextCursor()).isNull();
        });
    }
}
