package dev.switchboard.turn;

import dev.switchboard.domain.Connection;
import dev.switchboard.domain.ResumeRequest;
import dev.switchboard.domain.ResumeStatus;
import dev.switchboard.domain.RunCheckpoint;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.StreamMarks;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.port.Clock;
import dev.switchboard.protocol.ServerEvent;
import dev.switchboard.usecase.Broadcaster;
import dev.switchboard.usecase.Replay;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one run of a turn sends its owner's connections: the model's text as deltas (batched by a {@link DeltaBatcher}),
 * numbered from the deltas sent before a pause for a tool decision; the text streamed so far and where each delta
 * ends in it (the answer's {@link StreamMarks}); and the replay a resumed connection is pushed before it streams on.
 * Deltas are recorded and a resumed connection joins under one lock, so no delta falls between its replay and its
 * stream.
 */
final class TurnOutput {
    private static final Logger LOG = LoggerFactory.getLogger(TurnOutput.class);

    /** The streamed text and how it was streamed, taken together. */
    record Streamed(String text, StreamMarks marks) {}

    /**
     * The {@code lastSeq} of a checkpoint entry that names a connection the run streamed to, not a resume request it
     * served (a client's resume never names a seq below -1, so the two cannot be taken for each other).
     */
    static final int REACHED = -2;

    private final TurnRequest request;
    private final long attempt;
    private final Broadcaster out;
    private final Clock clock;
    private final DeltaBatcher batcher;
    private final int firstSeq;
    private final int firstOffset;
    private final ReentrantLock lock = new ReentrantLock();
    // guarded by lock:
    /** Every delta sent for the turn, concatenated (after a pause: the deltas before it first). */
    private final StringBuilder streamed = new StringBuilder();
    /** Where each of this run's deltas ends in {@link #streamed}. */
    private final List<Integer> ends = new ArrayList<>();
    /** The text of the model's current round (the text before its tool calls, once the round ends). */
    private final StringBuilder roundText = new StringBuilder();
    private final Set<ResumeRequest> served = new HashSet<>();
    /** The connections the run streamed to that did not ask to resume (kept by a hand-off as {@link #REACHED}). */
    private final Set<String> reachedIds = new HashSet<>();
    private int seq;
    private long firstDeltaAt;

    /**
     * @param attempt the run's claim number (sent with each delta; a client gives it back in resume)
     * @param steps   the turn's stored tool calls: the deltas and text streamed before them
     */
    TurnOutput(TurnRequest request, long attempt, Broadcaster out, List<StoredMessage> steps, Clock clock,
               TurnSettings settings) {
        this(request, attempt, out, steps, clock, settings, null);
    }

    /**
     * @param handedOn the checkpoint of an earlier segment of this run (null: none; else it {@link #covers} the
     *                 steps): its text counts as streamed and this segment's deltas continue its numbering, under its
     *                 attempt, so clients see one stream; what it streamed after the steps' text is the current round's
     *                 text so far; the resumes it served are not served again
     */
    TurnOutput(TurnRequest request, long attempt, Broadcaster out, List<StoredMessage> steps, Clock clock,
               TurnSettings settings, RunCheckpoint handedOn) {
        this.request = request;
        this.out = out;
        this.clock = clock;
        if (handedOn != null) {
            StreamMarks marks = handedOn.stream();
            this.attempt = marks.attempt();
            this.firstSeq = marks.firstSeq();
            this.firstOffset = marks.firstOffset();
            this.streamed.append(handedOn.text());
            this.ends.addAll(marks.ends());
            this.seq = handedOn.nextSeq();
            for (ResumeRequest r : handedOn.served()) {
                if (r.lastSeq() == REACHED) {
                    reachedIds.add(r.connectionId());
                } else {
                    served.add(r);
                }
            }
            this.roundText.append(handedOn.text(), stepsText(steps).length(), handedOn.text().length());
        } else {
            this.attempt = attempt;
            this.firstSeq = stepsSeq(steps);
            this.seq = firstSeq;
            this.streamed.append(stepsText(steps));
            this.firstOffset = streamed.length();
        }
        this.batcher = new DeltaBatcher(settings.flushMillis(), settings.maxFlushMillis(), settings.maxDeltaBytes(),
                clock, DeltaBatcher.Timer.SYSTEM, this::sendDelta);
    }

    /** The text streamed before the turn's tool calls, round by round. */
    private static String stepsText(List<StoredMessage> steps) {
        StringBuilder text = new StringBuilder();
        for (StoredMessage s : steps) {
            if (s.tool().roundText() != null) {
                text.append(s.tool().roundText());
            }
        }
        return text.toString();
    }

    /** How many deltas were sent before the turn's last tool call was stored. */
    private static int stepsSeq(List<StoredMessage> steps) {
        return steps.stream().mapToInt(s -> s.tool().seqBase()).max().orElse(0);
    }

    /**
     * Whether a run's checkpoint holds everything streamed before the turn's stored tool calls: false when a later
     * segment (whose worker died) stored tool calls after it, and the run goes on from those instead.
     */
    static boolean covers(RunCheckpoint checkpoint, List<StoredMessage> steps) {
        return checkpoint.nextSeq() >= stepsSeq(steps) && checkpoint.text().startsWith(stepsText(steps));
    }

    /** A piece of the model's text (on the model's thread): batched into deltas. */
    void add(String piece) {
        if (piece == null || piece.isEmpty()) {
            return;
        }
        lock.lock();
        try {
            roundText.append(piece);
        } finally {
            lock.unlock();
        }
        batcher.add(piece);
    }

    private void sendDelta(String piece) {
        lock.lock();
        try {
            if (seq == 0 && firstDeltaAt == 0) {
                firstDeltaAt = clock.millis();
            }
            streamed.append(piece);
            ends.add(streamed.length());
            out.send(new ServerEvent.Delta(request.sessionId(), request.turnId(), seq++, piece, attempt));
        } finally {
            lock.unlock();
        }
    }

    /** Sends what the batcher holds. */
    void flush() {
        batcher.finish();
    }

    /** Drops what the batcher holds and ignores later text: the turn failed, a stream still running must not reach clients. */
    void close() {
        batcher.close();
    }

    /** The current round's text so far (after a hand-off mid-round: what the earlier segments streamed of it). */
    String roundText() {
        return locked(roundText::toString);
    }

    /** The text of the round that just ended; the next round starts empty. */
    String takeRoundText() {
        return locked(() -> {
            String text = roundText.toString();
            roundText.setLength(0);
            return text;
        });
    }

    /** Every delta's text so far and how it was streamed: the answer to store (resume offsets index into it). */
    Streamed streamed() {
        return locked(() -> new Streamed(streamed.toString(), marks()));
    }

    /** The seq of the next delta: how many deltas the turn has sent. */
    int seq() {
        return locked(() -> seq);
    }

    /** The attempt number the deltas carry (a continued run keeps its first segment's). */
    long attempt() {
        return attempt;
    }

    /** The seq this run's deltas start from. */
    int firstSeq() {
        return firstSeq;
    }

    /** When the turn's first delta was sent (0: not yet, or it was sent before a pause). */
    long firstDeltaAt() {
        return locked(() -> firstDeltaAt);
    }

    void send(ServerEvent event) {
        out.send(event);
    }

    int posts() {
        return out.posts();
    }

    /**
     * Sends each connection that asked to resume this turn (and was not served yet) what it missed, and streams the
     * rest of the turn to it too.
     */
    void serveResumes(List<ResumeRequest> requests, ResumeStatus status) {
        for (ResumeRequest r : requests) {
            if (!r.turnId().equals(request.turnId())) {
                continue;
            }
            lock.lock();
            try {
                if (served.add(r)) {
                    replayTo(r.connectionId(), r.lastSeq(), r.attempt(), status);
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** Pushes the text so far after {@code lastSeq} to one connection and streams the rest to it (holding the lock). */
    private void replayTo(String connectionId, int lastSeq, Long attempt, ResumeStatus status) {
        List<ServerEvent.Resumed> frames = Replay.frames(request.sessionId(), request.turnId(), streamed.toString(),
                marks(), lastSeq, attempt, status, Replay.PUSH_BYTES);
        boolean joined = out.join(new Connection(request.userId(), connectionId, 0, 0), frames);
        LOG.info("resumed connection {} from delta {}: {}", connectionId, frames.getFirst().fromSeq(),
                joined ? "streaming on" : "gone");
    }

    /**
     * The connections this run has reached so far, for a hand-off's checkpoint: the resume requests served, and each
     * other connection streamed to as a {@link #REACHED} entry (so the next segment neither replays to them again
     * unasked nor misses one that opened meanwhile, and still serves a resume any of them sends later).
     */
    List<ResumeRequest> reached() {
        return locked(() -> {
            List<ResumeRequest> reached = new ArrayList<>(served);
            Set<String> ids = new java.util.LinkedHashSet<>(reachedIds);
            ids.addAll(out.connectionIds());
            for (String id : ids) {
                if (!servedTo(id)) {
                    reached.add(new ResumeRequest(id, request.turnId(), REACHED, null));
                }
            }
            return List.copyOf(reached);
        });
    }

    /**
     * After a hand-off: sends each of the owner's connections the earlier segments did not reach (opened while the
     * run was between or in other invocations, and not resumed) the text streamed so far, as a replay from the first
     * delta, before this segment's deltas.
     */
    void serveNewConnections() {
        lock.lock();
        try {
            for (String id : out.connectionIds()) {
                if (!reachedIds.contains(id) && !servedTo(id)) {
                    reachedIds.add(id);
                    replayTo(id, -1, null, ResumeStatus.RUNNING);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Whether a resume of the connection was served (call holding the lock). */
    private boolean servedTo(String connectionId) {
        return served.stream().anyMatch(r -> r.connectionId().equals(connectionId));
    }

    /** How the deltas so far were streamed (call holding the lock). */
    private StreamMarks marks() {
        return new StreamMarks(attempt, firstSeq, firstOffset, ends);
    }

    private <T> T locked(Supplier<T> read) {
        lock.lock();
        try {
            return read.get();
        } finally {
            lock.unlock();
        }
    }
}
