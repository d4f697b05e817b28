package dev.switchboard.usecase;

import dev.switchboard.domain.ResumeStatus;
import dev.switchboard.domain.StreamMarks;
import dev.switchboard.protocol.ServerEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What a reconnected client missed of an answer, as {@code resumed} frames: from the delta after the client's last
 * one (or from the start when that delta cannot be matched, see {@link StreamMarks#after}), cut at delta boundaries
 * into frames of at most {@code maxBytes} of text, so the client's text ends byte-identical to the answer.
 */
public final class Replay {
    /** Text per frame the worker pushes (API Gateway's frame limit is 32 KB; JSON escaping needs room). */
    public static final int PUSH_BYTES = 24 * 1024;
    /** Text in the reply to {@code resume} (a route reply may be 128 KB). */
    public static final int REPLY_BYTES = 96 * 1024;

    private Replay() {}

    /**
     * @param text  the answer so far (every delta sent, concatenated)
     * @param marks how {@code text} was streamed; null for an answer stored without them (replayed whole)
     */
    public static List<ServerEvent.Resumed> frames(String sessionId, String turnId, String text, StreamMarks marks,
                                            int lastSeq, Long clientAttempt, ResumeStatus status, int maxBytes) {
        StreamMarks m = marks != null ? marks : new StreamMarks(0, 1, text.length(), List.of());
        StreamMarks.Position from = m.after(lastSeq, clientAttempt, text.length());
        // the units a frame may end after: the text before the run's first delta as one, then each delta of the run
        List<StreamMarks.Position> cuts = new ArrayList<>();
        if (from.seq() < m.firstSeq()) {
            cuts.add(new StreamMarks.Position(m.firstSeq(), m.firstOffset()));
        }
        for (int i = Math.max(0, from.seq() - m.firstSeq()); i < m.ends().size(); i++) {
            cuts.add(new StreamMarks.Position(m.firstSeq() + i + 1, m.ends().get(i)));
        }
        Long attempt = m.attempt() == 0 ? null : m.attempt();
        List<ServerEvent.Resumed> frames = new ArrayList<>();
        StreamMarks.Position start = from;
        StreamMarks.Position end = from;
        for (StreamMarks.Position cut : cuts) {
            if (end != start && bytes(text, start.offset(), cut.offset()) > maxBytes) {
                frames.add(frame(sessionId, turnId, text, start, end, status, attempt));
                start = end;
            }
            end = cut;
        }
        if (end != start || frames.isEmpty()) {
            frames.add(frame(sessionId, turnId, text, start, end, status, attempt));
        }
        return frames;
    }

    private static ServerEvent.Resumed frame(String sessionId, String turnId, String text, StreamMarks.Position start,
                                             StreamMarks.Position end, ResumeStatus status, Long attempt) {
        return new ServerEvent.Resumed(sessionId, turnId, start.seq(), text.substring(start.offset(), end.offset()),
                end.seq(), status.wire(), attempt, null);
    }

    private static int bytes(String text, int from, int to) {
        return text.substring(from, to).getBytes(StandardCharsets.UTF_8).length;
    }
}
