package dev.switchboard.usecase;

import dev.switchboard.domain.Memory;
import dev.switchboard.protocol.ClientAction;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.ServerEvent;
import java.util.Comparator;
import java.util.List;

/** {@code /memory}: lists what is remembered about the user; {@code forget <id>} and {@code clear} delete it. */
public final class MemoryCommand implements SlashCommand {
    private final UserKnowledgeActions knowledge;

    public MemoryCommand(UserKnowledgeActions knowledge) {
        this.knowledge = knowledge;
    }

    public String name() { return "memory"; }

    public String usage() { return "/memory [forget <id> | clear]"; }

    public String description() { return "lists what is remembered about you, or forgets it"; }

    public ServerEvent run(Invocation in) {
        String[] words = in.args().split("\\s+", 2);
        switch (words[0]) {
            case "" -> {
                List<Memory> all = knowledge.memories().list(in.userId()).stream()
                        .sorted(Comparator.comparingLong(Memory::createdAtMillis)).toList();
                if (all.isEmpty()) {
                    return in.reply(name(), "Nothing is remembered about you.");
                }
                StringBuilder b = new StringBuilder("Remembered about you:");
                for (Memory m : all) {
                    b.append("\n[").append(m.memoryId()).append("] ").append(m.text());
                }
                return in.reply(name(), b.toString());
            }
            case "clear" -> {
                return in.reply(name(), "Forgot " + knowledge.deleteAllMemories(in.userId()) + " memories.");
            }
            case "forget" -> {
                if (words.length < 2 || words[1].isBlank()) {
                    return error(in, "Usage: " + usage());
                }
                ServerEvent r = knowledge.deleteMemory(in.userId(), new ClientAction.DeleteMemory(words[1].strip()));
                return r instanceof ServerEvent.Error e ? e : in.reply(name(), "Forgot " + words[1].strip() + ".");
            }
            default -> {
                return error(in, "Usage: " + usage());
            }
        }
    }

    private static ServerEvent error(Invocation in, String message) {
        return new ServerEvent.Error(ErrorCode.INVALID_FIELD.name(), message, "sendMessage", in.sessionId(), null,
                null);
    }
}
