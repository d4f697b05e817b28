package dev.switchboard.tools;

import dev.switchboard.domain.Note;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonStringSchema;
import dev.switchboard.testing.InMemoryNoteStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class BuiltinToolsTest {
    private static final long NOW = 1_763_780_645_123L; // 2025-11-22T03:04:05.123Z, a Saturday
    private final ObjectMapper json = new ObjectMapper();
    private final AtomicLong clock = new AtomicLong(NOW);
    private final InMemoryNoteStore notes = new InMemoryNoteStore();
    private final Map<String, AgentTool> tools = BuiltinTools.create(clock::get, notes).stream()
            .collect(Collectors.toMap(AgentTool::name, Function.identity()));
    private final ToolContext alice = new ToolContext("user-alice", "s-1", "t-1");
    private final ToolContext bob = new ToolContext("user-bob", "s-2", "t-2");

    private JsonNode run(String tool, ToolContext ctx, String args) throws Exception {
        return json.readTree(tools.get(tool).execute(ctx, args));
    }

    @Test
    void everyBuiltinToolHasAnObjectSchemaAndTheBuiltinOrigin() {
        assertThat(BuiltinTools.create(clock::get, notes)).extracting(AgentTool::name)
                .containsExactly("current_time", "calculate", "save_note", "list_notes", "delete_note");
        for (AgentTool tool : tools.values()) {
            ToolSpecification spec = tool.specification();
            assertThat(tool.origin()).isEqualTo("builtin");
            assertThat(spec.description()).isNotBlank();
            assertThat(spec.parameters()).isNotNull();
            assertThat(spec.parameters().properties()).doesNotContainKeys("userId", "user", "user_id");
        }
        JsonObjectSchema calc = tools.get("calculate").specification().parameters();
        assertThat(calc.properties().get("expression")).isInstanceOf(JsonStringSchema.class);
        assertThat(calc.required()).containsExactly("expression");
        assertThat(tools.get("save_note").specification().parameters().required()).containsExactly("text");
        assertThat(tools.get("delete_note").specification().parameters().required()).containsExactly("noteId");
        assertThat(tools.get("current_time").specification().parameters().required()).isNullOrEmpty();
    }

    // current_time

    @Test
    void currentTimeIsTheInjectedClockInUtcByDefault() throws Exception {
        JsonNode r = run("current_time", alice, "{}");
        assertThat(r.path("time").asText()).isEqualTo("2025-11-22T03:04:05Z");
        assertThat(r.path("timezone").asText()).isEqualTo("UTC");
        assertThat(r.path("dayOfWeek").asText()).isEqualTo("Saturday");
        assertThat(r.path("epochMillis").asLong()).isEqualTo(NOW);

        clock.set(NOW + 86_400_000L);
        assertThat(run("current_time", alice, "").path("dayOfWeek").asText()).isEqualTo("Sunday");
    }

    @Test
    void currentTimeUsesAnIanaTimeZone() throws Exception {
        JsonNode r = run("current_time", alice, "{\"timezone\":\"America/New_York\"}");
        assertThat(r.path("time").asText()).isEqualTo("2025-11-21T22:04:05-05:00");
        assertThat(r.path("timezone").asText()).isEqualTo("America/New_York");
        assertThat(r.path("dayOfWeek").asText()).isEqualTo("Friday");
        assertThat(run("current_time", alice, "{\"timezone\":\"Asia/Kolkata\"}").path("time").asText())
                .isEqualTo("2025-11-22T08:34:05+05:30");
    }

    @Test
    void currentTimeRefusesAnUnknownZoneOrArgument() {
        assertThatThrownBy(() -> run("current_time", alice, "{\"timezone\":\"Mars/Olympus\"}"))
                .isInstanceOf(ToolException.class).hasMessageContaining("unknown time zone 'Mars/Olympus'");
        assertThatThrownBy(() -> run("current_time", alice, "{\"timezone\":42}"))
                .isInstanceOf(ToolException.class).hasMessageContaining("must be a string");
        assertThatThrownBy(() -> run("current_time", alice, "{\"tz\":\"UTC\"}"))
                .isInstanceOf(ToolException.class).hasMessageContaining("unknown argument(s) [tz]");
        assertThatThrownBy(() -> run("current_time", alice, "[1,2]"))
                .isInstanceOf(ToolException.class).hasMessageContaining("JSON object");
    }

    // calculate

    @Test
    void calculateEvaluatesArithmetic() throws Exception {
        assertThat(run("calculate", alice, "{\"expression\":\"2 + 3 * 4\"}").path("result").asText()).isEqualTo("14");
        assertThat(run("calculate", alice, "{\"expression\":\"0.1 + 0.2\"}").path("result").asText()).isEqualTo("0.3");
        assertThat(run("calculate", alice, "{\"expression\":\"(17.5 * 3) / 4 + sqrt(16)\"}").path("result").asText())
                .isEqualTo("17.125");
        assertThat(run("calculate", alice, "{\"expression\":\"2^10 % 1000\"}").path("result").asText())
                .isEqualTo("24");
        assertThat(run("calculate", alice, "{\"expression\":\"-7 / 2\"}").path("result").asText()).isEqualTo("-3.5");
        assertThat(run("calculate", alice, "{\"expression\":\"1/3\"}").path("result").asText())
                .isEqualTo("0.333333333333333");
        assertThat(run("calculate", alice, "{\"expression\":\"10^20\"}").path("result").asText()).isEqualTo("1E+20");
    }

    @Test
    void calculateReportsBadExpressionsAsToolErrors() {
        assertThatThrownBy(() -> run("calculate", alice, "{\"expression\":\"1/0\"}"))
                .isInstanceOf(ToolException.class).hasMessageContaining("cannot evaluate '1/0'");
        assertThatThrownBy(() -> run("calculate", alice, "{\"expression\":\"2 +* (3\"}"))
                .isInstanceOf(ToolException.class).hasMessageContaining("cannot evaluate");
        assertThatThrownBy(() -> run("calculate", alice, "{\"expression\":\"x + 1\"}"))
                .isInstanceOf(ToolException.class).hasMessageContaining("cannot evaluate");
        assertThatThrownBy(() -> run("calculate", alice, "{\"expression\":\"sqrt(-1)\"}"))
                .isInstanceOf(ToolException.class).hasMessageContaining("no finite result");
        assertThatThrownBy(() -> run("calculate", alice, "{\"expression\":\"   \"}"))
                .isInstanceOf(ToolException.class).hasMessageContaining("must not be blank");
        assertThatThrownBy(() -> run("calculate", alice, "{}"))
                .isInstanceOf(ToolException.class).hasMessageContaining("'expression' is required");
        assertThatThrownBy(() -> run("calculate", alice, "{\"expression\":\"1+1\""))
                .isInstanceOf(ToolException.class).hasMessageContaining("not valid JSON");
    }

    @Test
    void calculateBoundsTheExpressionLength() throws Exception {
        String longest = "1" + "+1".repeat((CalculateTool.MAX_EXPRESSION_CHARS - 1) / 2);
        assertThat(longest.length()).isLessThanOrEqualTo(CalculateTool.MAX_EXPRESSION_CHARS);
        assertThat(run("calculate", alice, json.createObjectNode().put("expression", longest).toString())
                .path("result").asText()).isEqualTo(Integer.toString((longest.length() + 1) / 2));

        String tooLong = longest + "+1+1";
        assertThatThrownBy(() -> run("calculate", alice, json.createObjectNode().put("expression", tooLong).toString()))
                .isInstanceOf(ToolException.class).hasMessageContaining("too long");
    }

    // notes

    @Test
    void notesAreSavedListedAndDeleted() throws Exception {
        JsonNode saved = run("save_note", alice, "{\"text\":\"Buy oat milk\"}");
        assertThat(saved.path("saved").asBoolean()).isTrue();
        String id = saved.path("noteId").asText();
        assertThat(id).startsWith(String.format("%013d-", NOW));
        clock.addAndGet(1_000);
        String second = run("save_note", alice, "{\"text\":\"Call the plumber \u2014 \u00e9t\u00e9 \uD83D\uDEBF\"}")
                .path("noteId").asText();

        JsonNode list = run("list_notes", alice, "{}");
        assertThat(list.path("count").asInt()).isEqualTo(2);
        assertThat(list.path("notes").get(0).path("noteId").asText()).isEqualTo(id);
        assertThat(list.path("notes").get(0).path("text").asText()).isEqualTo("Buy oat milk");
        assertThat(list.path("notes").get(0).path("createdAt").asText()).isEqualTo("2025-11-22T03:04:05.123Z");
        assertThat(list.path("notes").get(1).path("text").asText())
                .isEqualTo("Call the plumber \u2014 \u00e9t\u00e9 \uD83D\uDEBF");

        assertThat(run("delete_note", alice, "{\"noteId\":\"" + id + "\"}").path("deleted").asBoolean()).isTrue();
        assertThat(notes.list("user-alice")).extracting(Note::noteId).containsExactly(second);
        assertThatThrownBy(() -> run("delete_note", alice, "{\"noteId\":\"" + id + "\"}"))
                .isInstanceOf(ToolException.class).hasMessageContaining("no note with id '" + id + "'");
    }

    @Test
    void anotherUserCannotSeeOrDeleteNotesEvenWithTheirIds() throws Exception {
        String aliceNote = run("save_note", alice, "{\"text\":\"alice's secret\"}").path("noteId").asText();

        JsonNode bobsList = run("list_notes", bob, "{}");
        assertThat(bobsList.path("count").asInt()).isZero();
        assertThat(bobsList.toString()).doesNotContain("alice's secret");

        assertThatThrownBy(() -> run("delete_note", bob, "{\"noteId\":\"" + aliceNote + "\"}"))
                .isInstanceOf(ToolException.class).hasMessageContaining("no note with id");
        assertThat(notes.list("user-alice")).extracting(Note::text).containsExactly("alice's secret");
    }

    @Test
    void aModelSuppliedUserIdIsRefusedAndNeverUsed() throws Exception {
        String aliceNote = run("save_note", alice, "{\"text\":\"alice's secret\"}").path("noteId").asText();

        assertThatThrownBy(() -> run("list_notes", bob, "{\"userId\":\"user-alice\"}"))
                .isInstanceOf(ToolException.class).hasMessageContaining("unknown argument(s) [userId]")
                .hasMessageContaining("current user");
        assertThatThrownBy(() -> run("delete_note", bob,
                "{\"noteId\":\"" + aliceNote + "\",\"userId\":\"user-alice\"}"))
                .isInstanceOf(ToolException.class).hasMessageContaining("userId");
        assertThatThrownBy(() -> run("save_note", bob, "{\"text\":\"planted\",\"userId\":\"user-alice\"}"))
                .isInstanceOf(ToolException.class).hasMessageContaining("userId");

        assertThat(notes.list("user-alice")).extracting(Note::noteId).containsExactly(aliceNote);
        assertThat(notes.list("user-bob")).isEmpty();
    }

    @Test
    void deleteOfAMalformedIdIsANotFoundError() {
        for (String id : List.of("../../etc", "N#x", "1", "x".repeat(64))) {
            assertThatThrownBy(() -> run("delete_note", alice, json.createObjectNode().put("noteId", id).toString()))
                    .as(id).isInstanceOf(ToolException.class).hasMessageContaining("no note with id");
        }
        assertThatThrownBy(() -> run("delete_note", alice, "{\"noteId\":\"" + "x".repeat(65) + "\"}"))
                .isInstanceOf(ToolException.class).hasMessageContaining("too long");
    }

    @Test
    void noteTextIsBoundedTo2000Characters() throws Exception {
        String longest = "\uD83D\uDE00".repeat(BuiltinTools.MAX_NOTE_CHARS); // 2000 characters, 4000 UTF-16 units
        assertThat(run("save_note", alice, json.createObjectNode().put("text", longest).toString())
                .path("saved").asBoolean()).isTrue();
        assertThat(notes.list("user-alice")).extracting(Note::text).containsExactly(longest);

        String tooLong = "a".repeat(BuiltinTools.MAX_NOTE_CHARS + 1);
        assertThatThrownBy(() -> run("save_note", alice, json.createObjectNode().put("text", tooLong).toString()))
                .isInstanceOf(ToolException.class).hasMessageContaining("too long (at most 2000 characters)");
        assertThatThrownBy(() -> run("save_note", alice, "{\"text\":\" \"}"))
                .isInstanceOf(ToolException.class).hasMessageContaining("must not be blank");
        assertThat(notes.count("user-alice")).isEqualTo(1);
    }

    @Test
    void aUserKeepsAtMost100Notes() throws Exception {
        for (int i = 0; i < BuiltinTools.MAX_NOTES; i++) {
            clock.incrementAndGet();
            run("save_note", alice, "{\"text\":\"note " + i + "\"}");
        }
        assertThat(notes.count("user-alice")).isEqualTo(100);

        assertThatThrownBy(() -> run("save_note", alice, "{\"text\":\"one too many\"}"))
                .isInstanceOf(ToolException.class).hasMessageContaining("note limit reached");
        assertThat(notes.count("user-alice")).isEqualTo(100);
        assertThat(run("save_note", bob, "{\"text\":\"bob has room\"}").path("saved").asBoolean()).isTrue();

        String first = notes.list("user-alice").get(0).noteId();
        run("delete_note", alice, "{\"noteId\":\"" + first + "\"}");
        assertThat(run("save_note", alice, "{\"text\":\"room again\"}").path("notes").asInt()).isEqualTo(100);
    }

    @Test
    void byDefaultEveryBuiltInToolIsAllowed() {
        assertThat(dev.switchboard.config.Setting.TOOLS_ALLOWED.defaultValue()).isEqualTo(String.join(",",
                BuiltinTools.CURRENT_TIME, BuiltinTools.CALCULATE, BuiltinTools.SAVE_NOTE, BuiltinTools.LIST_NOTES,
                BuiltinTools.DELETE_NOTE));
    }
}
