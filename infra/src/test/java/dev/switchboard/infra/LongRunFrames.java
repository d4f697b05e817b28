package dev.switchboard.infra;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.port.MessageStore;
import java.util.List;
import java.util.stream.IntStream;

/** What the long-run scenarios read from a client's frames and from the messages table. */
final class LongRunFrames {
    private LongRunFrames() {}

    static List<JsonNode> ofType(List<JsonNode> frames, String type) {
        return frames.stream().filter(WsClient.type(type)).toList();
    }

    /** Delta seqs of a stream that must be one (no restart): how many are missing and how many repeated. */
    static int[] lostAndDuplicated(List<JsonNode> deltas) {
        List<Integer> seqs = deltas.stream().map(d -> d.path("seq").asInt()).toList();
        int duplicated = seqs.size() - (int) seqs.stream().distinct().count();
        int top = seqs.stream().mapToInt(Integer::intValue).max().orElse(-1);
        int lost = (int) IntStream.rangeClosed(0, top).filter(s -> !seqs.contains(s)).count();
        return new int[] {lost, duplicated};
    }

    /** The turn's stored answer, or null. */
    static StoredMessage answer(MessageStore messages, String user, String session, String turn) {
        return messages.recentUpTo(user, session, turn, 2).stream()
                .filter(m -> m.role() == Role.ASSISTANT && m.turnId().equals(turn)).findFirst().orElse(null);
    }
}
