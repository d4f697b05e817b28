package dev.switchboard.tools;

import dev.switchboard.port.NoteStore;

import dev.switchboard.port.Clock;
import java.util.ArrayList;
import java.util.List;

/** The tools that run inside the worker without any network call: time, arithmetic and the user's notes. */
public final class BuiltinTools {
    /** The {@link AgentTool#origin()} of every built-in tool. */
    public static final String ORIGIN = "builtin";
    public static final String CURRENT_TIME = CurrentTimeTool.NAME;
    public static final String CALCULATE = CalculateTool.NAME;
    public static final String SAVE_NOTE = NoteTools.SAVE;
    public static final String LIST_NOTES = NoteTools.LIST;
    public static final String DELETE_NOTE = NoteTools.DELETE;
    /** Longest note, in characters (code points). */
    public static final int MAX_NOTE_CHARS = 2000;
    /** Most notes one user keeps. */
    public static final int MAX_NOTES = 100;

    private BuiltinTools() {}

    /** Every built-in tool, in a fixed order. */
    public static List<AgentTool> create(Clock clock, NoteStore notes) {
        List<AgentTool> tools = new ArrayList<>();
        tools.add(new CurrentTimeTool(clock));
        tools.add(new CalculateTool());
        tools.addAll(NoteTools.create(notes, clock));
        return List.copyOf(tools);
    }
}
