package dev.switchboard.tools;

import dev.switchboard.domain.Note;
import dev.switchboard.port.NoteStore;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.switchboard.port.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * {@code save_note}, {@code list_notes} and {@code delete_note}: the calling user's own notes. The user is always
 * {@link ToolContext#userId()}; the tools take no user argument and refuse one.
 */
final class NoteTools {
    static final String SAVE = "save_note";
    static final String LIST = "list_notes";
    static final String DELETE = "delete_note";
    /** Note ids: 13-digit epoch millis, then 8 random hex digits, so they sort by creation time. */
    private static final Pattern NOTE_ID = Pattern.compile("[0-9]{13}-[0-9a-f]{8}");
    private static final int MAX_NOTE_ID_CHARS = 64;

    private NoteTools() {}

    static List<AgentTool> create(NoteStore notes, Clock clock) {
        return List.of(new Save(notes, clock), new ListNotes(notes), new Delete(notes));
    }

    private abstract static class NoteTool implements AgentTool {
        final NoteStore notes;
        private final ToolSpecification spec;

        NoteTool(NoteStore notes, ToolSpecification spec) {
            this.notes = notes;
            this.spec = spec;
        }

        @Override
        public ToolSpecification specification() {
            return spec;
        }

        @Override
        public String origin() {
            return BuiltinTools.ORIGIN;
        }
    }

    private static final class Save extends NoteTool {
        private final Clock clock;

        Save(NoteStore notes, Clock clock) {
            super(notes, ToolSpecification.builder()
                    .name(SAVE)
                    .description("Saves a short note for the current user, kept across conversations (at most "
                            + BuiltinTools.MAX_NOTE_CHARS + " characters; at most " + BuiltinTools.MAX_NOTES
                            + " notes). Returns the new note's id.")
                    .parameters(JsonObjectSchema.builder()
                            .addStringProperty("text", "the note's text")
                            .required("text")
                            .additionalProperties(false)
                            .build())
                    .build());
            this.clock = clock;
        }

        @Override
        public String execute(ToolContext context, String argumentsJson) {
            String text = ToolArguments.parse(argumentsJson, Set.of("text"))
                    .requiredString("text", BuiltinTools.MAX_NOTE_CHARS);
            int count = notes.count(context.userId());
            if (count >= BuiltinTools.MAX_NOTES) {
                throw new ToolException("note limit reached: the user has " + count + " notes, the most kept is "
                        + BuiltinTools.MAX_NOTES + "; delete one first");
            }
            long now = clock.millis();
            String noteId = String.format(Locale.ROOT, "%013d-%s", now, UUID.randomUUID().toString().substring(0, 8));
            try {
                notes.put(new Note(context.userId(), noteId, text, now));
            } catch (dev.switchboard.usecase.CappedNoteStore.CapReachedException e) {
                throw new ToolException("note limit reached: " + e.getMessage()); // a parallel save took the last one
            }
            return ToolArguments.object().put("saved", true).put("noteId", noteId).put("notes", count + 1).toString();
        }
    }

    private static final class ListNotes extends NoteTool {
        ListNotes(NoteStore notes) {
            super(notes, ToolSpecification.builder()
                    .name(LIST)
                    .description("Lists the current user's saved notes, oldest first, with their ids.")
                    .parameters(JsonObjectSchema.builder().additionalProperties(false).build())
                    .build());
        }

        @Override
        public String execute(ToolContext context, String argumentsJson) {
            ToolArguments.parse(argumentsJson, Set.of());
            List<Note> mine = notes.list(context.userId());
            ObjectNode result = ToolArguments.object().put("count", mine.size());
            ArrayNode items = result.putArray("notes");
            for (Note n : mine) {
                items.addObject()
                        .put("noteId", n.noteId())
                        .put("text", n.text())
                        .put("createdAt", Instant.ofEpochMilli(n.createdAtMillis()).toString());
            }
            return result.toString();
        }
    }

    private static final class Delete extends NoteTool {
        Delete(NoteStore notes) {
            super(notes, ToolSpecification.builder()
                    .name(DELETE)
                    .description("Deletes one of the current user's notes by its id (list_notes shows the ids).")
                    .parameters(JsonObjectSchema.builder()
                            .addStringProperty("noteId", "the id of the note to delete")
                            .required("noteId")
                            .additionalProperties(false)
                            .build())
                    .build());
        }

        @Override
        public String execute(ToolContext context, String argumentsJson) {
            String noteId = ToolArguments.parse(argumentsJson, Set.of("noteId"))
                    .requiredString("noteId", MAX_NOTE_ID_CHARS).trim();
            // an id of another form cannot be a note of this user's: no store call needed
            if (!NOTE_ID.matcher(noteId).matches() || !notes.delete(context.userId(), noteId)) {
                throw new ToolException("the user has no note with id '" + noteId + "' (list_notes shows the ids)");
            }
            return ToolArguments.object().put("deleted", true).put("noteId", noteId).toString();
        }
    }
}
