package dev.switchboard.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The session, tool, memory and document actions of the protocol, and the events that answer them. */
class ProtocolCodecAgentActionsTest {
    private final ProtocolCodec codec = new ProtocolCodec();

    private ProtocolException refusal(String body) {
        try {
            ClientAction parsed = codec.parse(body);
            throw new AssertionError("expected a ProtocolException, parsed " + parsed);
        } catch (ProtocolException e) {
            return e;
        }
    }

    private ErrorCode codeOf(String body) {
        return refusal(body).code();
    }

    private static String quoted(String s) {
        return "\"" + s + "\"";
    }

    @Nested
    class Resume {
        @Test
        void resumeWithEveryField() {
            ClientAction a = codec.parse("{\"action\":\"resume\",\"sessionId\":\"s-1\",\"turnId\":\"t-1\","
                    + "\"lastSeq\":4,\"attempt\":7}");
            assertThat(a).isEqualTo(new ClientAction.Resume("s-1", "t-1", 4, 7L));
            assertThat(a.action()).isEqualTo("resume");
        }

        @Test
        void resumeWithoutLastSeqOrAttemptAsksForTheWholeAnswer() {
            assertThat(codec.parse("{\"action\":\"resume\",\"sessionId\":\"s-1\",\"turnId\":\"t-1\"}"))
                    .isEqualTo(new ClientAction.Resume("s-1", "t-1", -1, null));
        }

        @ParameterizedTest
        @ValueSource(strings = {
                "{\"action\":\"resume\",\"sessionId\":\"s-1\"}",
                "{\"action\":\"resume\",\"sessionId\":\"s-1\",\"turnId\":\"t\",\"lastSeq\":-2}",
                "{\"action\":\"resume\",\"sessionId\":\"s-1\",\"turnId\":\"t\",\"lastSeq\":1.5}",
                "{\"action\":\"resume\",\"sessionId\":\"s-1\",\"turnId\":\"t\",\"lastSeq\":\"3\"}",
                "{\"action\":\"resume\",\"sessionId\":\"s-1\",\"turnId\":\"t\",\"lastSeq\":99999999999}",
                "{\"action\":\"resume\",\"sessionId\":\"s-1\",\"turnId\":\"t\",\"attempt\":0}",
                "{\"action\":\"resume\",\"sessionId\":\"s-1\",\"turnId\":\"t\",\"extra\":1}"})
        void badResumeFramesAreRefusedWithACode(String frame) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> codec.parse(frame))
                    .isInstanceOf(ProtocolException.class)
                    .satisfies(e -> assertThat(((ProtocolException) e).code()).isIn(ErrorCode.MISSING_FIELD,
                            ErrorCode.INVALID_FIELD));
        }
    }

    @Nested
    class SessionSettings {
        @Test
        void createSessionWithoutFieldsIsANewSessionWithDefaults() {
            ClientAction a = codec.parse("{\"action\":\"createSession\"}");
            assertThat(a).isEqualTo(new ClientAction.CreateSession(null, null, null, null, null));
            assertThat(a.action()).isEqualTo("createSession");
        }

        @Test
        void createSessionWithEveryField() {
            assertThat(codec.parse("{\"action\":\"createSession\",\"sessionId\":\"s-1\",\"title\":\"Trip\","
                    + "\"model\":\"openai:gpt-4o-mini\",\"systemPrompt\":\"Be brief.\",\"busyPolicy\":\"reject\"}"))
                    .isEqualTo(new ClientAction.CreateSession("s-1", "Trip", "openai:gpt-4o-mini", "Be brief.",
                            "reject"));
        }

        @Test
        void updateSessionWithEveryField() {
            ClientAction a = codec.parse("{\"action\":\"updateSession\",\"sessionId\":\"s-1\",\"title\":\"T\","
                    + "\"model\":\"ollama:llama3.1:8b\",\"systemPrompt\":\"p\",\"busyPolicy\":\"interrupt\"}");
            assertThat(a).isEqualTo(new ClientAction.UpdateSession("s-1", "T", "ollama:llama3.1:8b", "p",
                    "interrupt"));
            assertThat(a.action()).isEqualTo("updateSession");
        }

        @Test
        void updateSessionKeepsEmptyPromptAndModelToClearThem() {
            assertThat(codec.parse("{\"action\":\"updateSession\",\"sessionId\":\"s-1\",\"systemPrompt\":\"\","
                    + "\"model\":\"\"}"))
                    .isEqualTo(new ClientAction.UpdateSession("s-1", null, "", "", null));
        }

        @Test
        void nullFieldsAreAbsentFields() {
            assertThat(codec.parse("{\"action\":\"updateSession\",\"sessionId\":\"s-1\",\"title\":null,"
                    + "\"model\":null,\"systemPrompt\":null,\"busyPolicy\":null}"))
                    .isEqualTo(new ClientAction.UpdateSession("s-1", null, null, null, null));
        }

        @Test
        void updateSessionNeedsTheSessionId() {
            ProtocolException e = refusal("{\"action\":\"updateSession\",\"title\":\"T\"}");
            assertThat(e.code()).isEqualTo(ErrorCode.MISSING_FIELD);
            assertThat(e.toEvent().action()).isEqualTo("updateSession");
            assertThat(e.getMessage()).contains("sessionId");
        }

        @ParameterizedTest
        @ValueSource(strings = {"enqueue", "reject", "interrupt"})
        void everyBusyPolicyIsAccepted(String policy) {
            assertThat(codec.parse("{\"action\":\"createSession\",\"busyPolicy\":" + quoted(policy) + "}"))
                    .isEqualTo(new ClientAction.CreateSession(null, null, null, null, policy));
        }

        @ParameterizedTest
        @ValueSource(strings = {"\"later\"", "\"REJECT\"", "\"\"", "1", "true", "[\"reject\"]"})
        void anUnknownBusyPolicyIsInvalid(String policy) {
            ProtocolException e = refusal("{\"action\":\"updateSession\",\"sessionId\":\"s\",\"busyPolicy\":"
                    + policy + "}");
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FIELD);
            assertThat(e.getMessage()).contains("enqueue, reject, interrupt");
        }

        @Test
        void aSystemPromptUpToTheLimitIsAcceptedCountingCharacters() {
            String prompt = "\uD83D\uDE00".repeat(Limits.MAX_SYSTEM_PROMPT_CHARS);
            assertThat(codec.parse("{\"action\":\"createSession\",\"systemPrompt\":" + quoted(prompt) + "}"))
                    .isEqualTo(new ClientAction.CreateSession(null, null, null, prompt, null));
        }

        @Test
        void aSystemPromptOverTheLimitIsTooLong() {
            String prompt = "a".repeat(Limits.MAX_SYSTEM_PROMPT_CHARS + 1);
            ProtocolException e = refusal("{\"action\":\"updateSession\",\"sessionId\":\"s\",\"systemPrompt\":"
                    + quoted(prompt) + "}");
            assertThat(e.code()).isEqualTo(ErrorCode.FIELD_TOO_LONG);
            assertThat(e.getMessage()).contains("systemPrompt");
        }

        @ParameterizedTest
        @ValueSource(strings = {"\"   \"", "42", "{}"})
        void aBlankOrNonStringSystemPromptIsInvalid(String prompt) {
            assertThat(codeOf("{\"action\":\"createSession\",\"systemPrompt\":" + prompt + "}"))
                    .isEqualTo(ErrorCode.INVALID_FIELD);
        }

        @Test
        void aTitleMustNotBeBlankNorTooLong() {
            assertThat(codeOf("{\"action\":\"createSession\",\"title\":\"\"}")).isEqualTo(ErrorCode.INVALID_FIELD);
            assertThat(codeOf("{\"action\":\"createSession\",\"title\":\" \"}")).isEqualTo(ErrorCode.INVALID_FIELD);
            assertThat(codeOf("{\"action\":\"createSession\",\"title\":"
                    + quoted("t".repeat(Limits.MAX_TITLE_CHARS + 1)) + "}")).isEqualTo(ErrorCode.FIELD_TOO_LONG);
            assertThat(codec.parse("{\"action\":\"createSession\",\"title\":"
                    + quoted("t".repeat(Limits.MAX_TITLE_CHARS)) + "}"))
                    .isEqualTo(new ClientAction.CreateSession(null, "t".repeat(Limits.MAX_TITLE_CHARS), null, null,
                            null));
        }

        @ParameterizedTest
        @ValueSource(strings = {"offline:switchboard-offline-echo", "openai:gpt-4o-mini", "ollama:llama3.1:8b",
                "openai:meta-llama/Llama-3.1-8B", "a"})
        void modelIdsOfTheDocumentedFormAreAccepted(String model) {
            assertThat(codec.parse("{\"action\":\"createSession\",\"model\":" + quoted(model) + "}"))
                    .isEqualTo(new ClientAction.CreateSession(null, null, model, null, null));
        }

        @ParameterizedTest
        @ValueSource(strings = {"\"gpt 4\"", "\"openai:gpt-4o\\n\"", "\"mod\u00e8le\"", "\"a;b\"", "7", "[]"})
        void malformedModelIdsAreInvalid(String model) {
            ProtocolException e = refusal("{\"action\":\"createSession\",\"model\":" + model + "}");
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FIELD);
            assertThat(e.getMessage()).contains("model");
        }

        @Test
        void aModelIdOverTheLimitIsTooLong() {
            assertThat(codeOf("{\"action\":\"createSession\",\"model\":"
                    + quoted("openai:" + "m".repeat(Limits.MAX_MODEL_ID_CHARS)) + "}"))
                    .isEqualTo(ErrorCode.FIELD_TOO_LONG);
        }

        @Test
        void aMalformedSessionIdIsInvalid() {
            assertThat(codeOf("{\"action\":\"createSession\",\"sessionId\":\"a b\"}"))
                    .isEqualTo(ErrorCode.INVALID_FIELD);
            assertThat(codeOf("{\"action\":\"updateSession\",\"sessionId\":" + quoted("s".repeat(65)) + "}"))
                    .isEqualTo(ErrorCode.FIELD_TOO_LONG);
        }

        @ParameterizedTest
        @ValueSource(strings = {"userId", "turnId", "busy_policy", "systemprompt"})
        void unknownFieldsAreRefused(String field) {
            ProtocolException e = refusal("{\"action\":\"createSession\"," + quoted(field) + ":\"x\"}");
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FIELD);
            assertThat(e.getMessage()).contains(field);
            assertThat(e.toEvent().action()).isEqualTo("createSession");
        }
    }

    @Nested
    class ControlAndTools {
        @Test
        void listModels() {
            assertThat(codec.parse("{\"action\":\"listModels\"}")).isEqualTo(new ClientAction.ListModels());
            assertThat(codeOf("{\"action\":\"listModels\",\"sessionId\":\"s\"}")).isEqualTo(ErrorCode.INVALID_FIELD);
        }

        @Test
        void cancelWithAndWithoutTurn() {
            assertThat(codec.parse("{\"action\":\"cancel\",\"sessionId\":\"s-1\"}"))
                    .isEqualTo(new ClientAction.Cancel("s-1", null));
            assertThat(codec.parse("{\"action\":\"cancel\",\"sessionId\":\"s-1\",\"turnId\":\"1700000000000-0a1b2c3d\"}"))
                    .isEqualTo(new ClientAction.Cancel("s-1", "1700000000000-0a1b2c3d"));
        }

        @Test
        void cancelErrors() {
            assertThat(codeOf("{\"action\":\"cancel\"}")).isEqualTo(ErrorCode.MISSING_FIELD);
            assertThat(codeOf("{\"action\":\"cancel\",\"sessionId\":\"s\",\"turnId\":\"t 1\"}"))
                    .isEqualTo(ErrorCode.INVALID_FIELD);
            assertThat(codeOf("{\"action\":\"cancel\",\"sessionId\":\"s\",\"turnId\":5}"))
                    .isEqualTo(ErrorCode.INVALID_FIELD);
            assertThat(codeOf("{\"action\":\"cancel\",\"sessionId\":\"s\",\"reason\":\"x\"}"))
                    .isEqualTo(ErrorCode.INVALID_FIELD);
        }

        @Test
        void approveAndDenyTool() {
            ClientAction approve = codec.parse("{\"action\":\"approveTool\",\"sessionId\":\"s\",\"turnId\":\"t\","
                    + "\"toolCallId\":\"call_abc-1\"}");
            ClientAction deny = codec.parse("{\"action\":\"denyTool\",\"sessionId\":\"s\",\"turnId\":\"t\","
                    + "\"toolCallId\":\"call_abc-1\"}");
            assertThat(approve).isEqualTo(new ClientAction.DecideTool("s", "t", "call_abc-1", true));
            assertThat(deny).isEqualTo(new ClientAction.DecideTool("s", "t", "call_abc-1", false));
            assertThat(approve.action()).isEqualTo("approveTool");
            assertThat(deny.action()).isEqualTo("denyTool");
        }

        @ParameterizedTest
        @ValueSource(strings = {"sessionId", "turnId", "toolCallId"})
        void everyFieldOfAToolDecisionIsRequired(String missing) {
            StringBuilder body = new StringBuilder("{\"action\":\"denyTool\"");
            for (String f : List.of("sessionId", "turnId", "toolCallId")) {
                if (!f.equals(missing)) {
                    body.append(",\"").append(f).append("\":\"x\"");
                }
            }
            ProtocolException e = refusal(body.append("}").toString());
            assertThat(e.code()).isEqualTo(ErrorCode.MISSING_FIELD);
            assertThat(e.getMessage()).contains(missing);
            assertThat(e.toEvent().action()).isEqualTo("denyTool");
        }

        @Test
        void toolDecisionErrors() {
            assertThat(codeOf("{\"action\":\"approveTool\",\"sessionId\":\"s\",\"turnId\":\"t\","
                    + "\"toolCallId\":\"a/b\"}")).isEqualTo(ErrorCode.INVALID_FIELD);
            assertThat(codeOf("{\"action\":\"approveTool\",\"sessionId\":\"s\",\"turnId\":\"t\","
                    + "\"toolCallId\":\"c\",\"approve\":true}")).isEqualTo(ErrorCode.INVALID_FIELD);
        }
    }

    @Nested
    class MemoriesAndDocuments {
        @Test
        void memoryActions() {
            assertThat(codec.parse("{\"action\":\"listMemories\"}")).isEqualTo(new ClientAction.ListMemories());
            assertThat(codec.parse("{\"action\":\"deleteMemory\",\"memoryId\":\"m-1\"}"))
                    .isEqualTo(new ClientAction.DeleteMemory("m-1"));
            assertThat(codeOf("{\"action\":\"deleteMemory\"}")).isEqualTo(ErrorCode.MISSING_FIELD);
            assertThat(codeOf("{\"action\":\"deleteMemory\",\"memoryId\":\"m 1\"}")).isEqualTo(ErrorCode.INVALID_FIELD);
            assertThat(codeOf("{\"action\":\"listMemories\",\"limit\":5}")).isEqualTo(ErrorCode.INVALID_FIELD);
        }

        @Test
        void documentActions() {
            assertThat(codec.parse("{\"action\":\"addDocument\",\"title\":\"Handbook\",\"text\":\"Rule one.\"}"))
                    .isEqualTo(new ClientAction.AddDocument("Handbook", "Rule one."));
            assertThat(codec.parse("{\"action\":\"listDocuments\"}")).isEqualTo(new ClientAction.ListDocuments());
            assertThat(codec.parse("{\"action\":\"deleteDocument\",\"documentId\":\"d-1\"}"))
                    .isEqualTo(new ClientAction.DeleteDocument("d-1"));
        }

        @Test
        void addDocumentErrors() {
            assertThat(codeOf("{\"action\":\"addDocument\",\"text\":\"x\"}")).isEqualTo(ErrorCode.MISSING_FIELD);
            assertThat(codeOf("{\"action\":\"addDocument\",\"title\":\"T\"}")).isEqualTo(ErrorCode.MISSING_FIELD);
            assertThat(codeOf("{\"action\":\"addDocument\",\"title\":\"T\",\"text\":\"  \"}"))
                    .isEqualTo(ErrorCode.MISSING_FIELD);
            assertThat(codeOf("{\"action\":\"addDocument\",\"title\":\"\",\"text\":\"x\"}"))
                    .isEqualTo(ErrorCode.INVALID_FIELD);
            assertThat(codeOf("{\"action\":\"addDocument\",\"title\":\"T\",\"text\":\"x\",\"documentId\":\"d\"}"))
                    .isEqualTo(ErrorCode.INVALID_FIELD);
            String max = "d".repeat(Limits.MAX_DOCUMENT_CHARS);
            assertThat(codec.parse("{\"action\":\"addDocument\",\"title\":\"T\",\"text\":" + quoted(max) + "}"))
                    .isEqualTo(new ClientAction.AddDocument("T", max));
            assertThat(codeOf("{\"action\":\"addDocument\",\"title\":\"T\",\"text\":" + quoted(max + "d") + "}"))
                    .isEqualTo(ErrorCode.FIELD_TOO_LONG);
        }

        @Test
        void deleteDocumentErrors() {
            assertThat(codeOf("{\"action\":\"deleteDocument\"}")).isEqualTo(ErrorCode.MISSING_FIELD);
            assertThat(codeOf("{\"action\":\"deleteDocument\",\"documentId\":7}")).isEqualTo(ErrorCode.INVALID_FIELD);
            assertThat(codeOf("{\"action\":\"listDocuments\",\"cursor\":\"c\"}")).isEqualTo(ErrorCode.INVALID_FIELD);
        }
    }

    @Nested
    class Events {
        static Stream<Arguments> events() {
            ServerEvent.DocumentInfo doc = new ServerEvent.DocumentInfo("d-1", "Handbook", 1200, 3, "ready",
                    "2024-01-01T00:00:00Z");
            return Stream.of(
                    Arguments.of(new ServerEvent.SessionInfo(new ServerEvent.SessionSummary("s1", "T",
                            "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "openai:gpt-4o-mini", "Be brief.",
                            "reject")), "session"),
                    Arguments.of(new ServerEvent.SessionInfo(new ServerEvent.SessionSummary("s1", "T",
                            "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z")), "session"),
                    Arguments.of(new ServerEvent.Models(List.of(
                            new ServerEvent.ModelInfo("offline:switchboard-offline-echo", "offline",
                                    "switchboard-offline-echo", true),
                            new ServerEvent.ModelInfo("openai:gpt-4o-mini", "openai", "gpt-4o-mini", false)),
                            "offline:switchboard-offline-echo"), "models"),
                    Arguments.of(new ServerEvent.CancelRequested("s1", "t1"), "cancelRequested"),
                    Arguments.of(new ServerEvent.ToolCallEvent("s1", "t1", "c1", "lookup", "{\"q\":\"x\"}"),
                            "toolCall"),
                    Arguments.of(new ServerEvent.ToolResult("s1", "t1", "c1", "lookup", "done", "found \"x\"\n"),
                            "toolResult"),
                    Arguments.of(new ServerEvent.ToolResult("s1", "t1", "c1", "transfer", "denied",
                            "The user denied this tool call; it was not run."), "toolResult"),
                    Arguments.of(new ServerEvent.ApprovalRequired("s1", "t1", "c7", "transfer", "{\"amount\":5}"),
                            "approvalRequired"),
                    Arguments.of(new ServerEvent.ToolDecision("s1", "t1", "c7", "approved"), "toolDecision"),
                    Arguments.of(new ServerEvent.CommandResult("s1", "help", "Commands:\n/help - lists"),
                            "commandResult"),
                    Arguments.of(new ServerEvent.CommandResult(null, "help", "Commands:"), "commandResult"),
                    Arguments.of(new ServerEvent.Memories(List.of(new ServerEvent.MemoryInfo("m1", "Likes tea",
                            "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "s1", "t1"),
                            new ServerEvent.MemoryInfo("m2", "Lives in Oslo", "2024-01-01T00:00:00Z",
                                    "2024-01-01T00:00:00Z", null, null))), "memories"),
                    Arguments.of(new ServerEvent.MemoryDeleted("m1", 1), "memoryDeleted"),
                    Arguments.of(new ServerEvent.DocumentAdded(doc), "documentAdded"),
                    Arguments.of(new ServerEvent.Documents(List.of(doc)), "documents"),
                    Arguments.of(new ServerEvent.Documents(List.of()), "documents"),
                    Arguments.of(new ServerEvent.DocumentDeleted("d-1"), "documentDeleted"),
                    Arguments.of(new ServerEvent.DocumentReady("d-1", 3), "documentReady"),
                    Arguments.of(new ServerEvent.Done("s1", "t1", 2, "m", false, "CANCELLED",
                            new ServerEvent.Usage(1, 2, 3), new ServerEvent.Timings(4, 5, 6),
                            List.of(new ServerEvent.Source("d-1", "Handbook", 2, 0.75)), 4), "done"),
                    Arguments.of(new ServerEvent.History("s1", List.of(
                            new ServerEvent.HistoryMessage("t1", "user", "hi", "2024-01-01T00:00:00Z", null, null),
                            new ServerEvent.HistoryMessage("t1", "tool", "found", "2024-01-01T00:00:01Z", null, null,
                                    "done", "c1", "lookup", "{}"),
                            new ServerEvent.HistoryMessage("t1", "assistant", "", "2024-01-01T00:00:02Z", "m", null,
                                    "cancelled", null, null, null)), null), "history"));
        }

        @ParameterizedTest
        @MethodSource("events")
        void roundTrip(ServerEvent event, String type) {
            String json = codec.write(event);
            assertThat(json).startsWith("{\"type\":\"" + type + "\"");
            assertThat(json).doesNotContain("null");
            assertThat(codec.readEvent(json)).isEqualTo(event);
        }

        @Test
        void toolEventsCarryTheirFieldsByName() {
            assertThat(codec.write(new ServerEvent.ApprovalRequired("s1", "t1", "c7", "transfer", "{}")))
                    .isEqualTo("{\"type\":\"approvalRequired\",\"sessionId\":\"s1\",\"turnId\":\"t1\","
                            + "\"toolCallId\":\"c7\",\"name\":\"transfer\",\"arguments\":\"{}\"}");
            assertThat(codec.write(new ServerEvent.ToolResult("s1", "t1", "c7", "transfer", "failed", "Error: x")))
                    .contains("\"status\":\"failed\"", "\"result\":\"Error: x\"");
        }

        @Test
        void aCancelledDoneWithoutSourcesLeavesThemOut() {
            String json = codec.write(new ServerEvent.Done("s1", "t1", 0, "m", true, "CANCELLED",
                    new ServerEvent.Usage(0, 0, 0), new ServerEvent.Timings(0, 0, 0)));
            assertThat(json).contains("\"finishReason\":\"CANCELLED\"", "\"deltas\":0")
                    .doesNotContain("sources").doesNotContain("memories");
        }

        @Test
        void everyNewErrorCodeTravelsByName() {
            for (ErrorCode code : List.of(ErrorCode.MODEL_NOT_ALLOWED, ErrorCode.SESSION_BUSY,
                    ErrorCode.NOTHING_TO_CANCEL, ErrorCode.TOOL_CALL_NOT_FOUND, ErrorCode.TOOL_ALREADY_DECIDED,
                    ErrorCode.UNKNOWN_COMMAND, ErrorCode.LIMIT_REACHED, ErrorCode.NOT_FOUND)) {
                ServerEvent.Error e = new ServerEvent.Error(code.name(), "m", "cancel", "s1", "t1", null);
                String json = codec.write(e);
                assertThat(json).contains("\"code\":\"" + code.name() + "\"");
                assertThat(codec.readEvent(json)).isEqualTo(e);
            }
        }
    }
}
