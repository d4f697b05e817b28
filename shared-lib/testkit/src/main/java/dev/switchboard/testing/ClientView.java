package dev.switchboard.testing;

import dev.switchboard.protocol.ServerEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * What a well-behaved client shows of one turn's answer, built only from the frames it received, as the protocol
 * tells clients to: deltas appended in seq order, {@code restart} drops the deltas from its seq on, {@code resumed}
 * replaces the deltas from its {@code fromSeq} on with its text (one without text replaces nothing). Counts what would show a client a wrong text: a
 * delta out of order (a gap or a repeat) or a frame of a superseded run.
 */
public final class ClientView {
    private final List<String> pieces = new ArrayList<>();
    private long attempt;
    private int outOfOrder;
    private boolean done;

    /** Applies one frame of the turn (frames of other turns must not be passed). */
    public synchronized void apply(ServerEvent e) {
        switch (e) {
            case ServerEvent.Delta d -> {
                if (d.attempt() != null && d.attempt() < attempt) {
                    outOfOrder++; // a frame of a run that was superseded
                    return;
                }
                if (d.attempt() != null) {
                    attempt = d.attempt();
                }
                if (d.seq() != pieces.size()) {
                    outOfOrder++;
                    return;
                }
                pieces.add(d.text());
            }
            case ServerEvent.Restart r -> {
                attempt = r.attempt();
                truncate(r.fromSeq());
            }
            case ServerEvent.Resumed r when r.text() == null -> { } // an acknowledgement: nothing to replace
            case ServerEvent.Resumed r -> {
                if (r.fromSeq() > pieces.size()) {
                    outOfOrder++;
                    return;
                }
                truncate(r.fromSeq());
                // the replayed text stands for deltas fromSeq..nextSeq-1: keep the seq count right
                for (int s = r.fromSeq(); s < r.nextSeq(); s++) {
                    pieces.add(s == r.fromSeq() ? r.text() : "");
                }
                if (r.attempt() != null) {
                    attempt = r.attempt();
                }
                if ("answered".equals(r.status()) || "cancelled".equals(r.status())) {
                    done = r.more() == null || !r.more();
                }
            }
            case ServerEvent.Done d -> done = true;
            default -> { }
        }
    }

    private void truncate(int fromSeq) {
        while (pieces.size() > fromSeq) {
            pieces.removeLast();
        }
    }

    public synchronized String text() {
        return String.join("", pieces);
    }

    /** The seq of the last delta the client holds (-1: none): what it sends in {@code resume}. */
    public synchronized int lastSeq() {
        return pieces.size() - 1;
    }

    /** The run the client's deltas came from (null: none yet): what it sends in {@code resume}. */
    public synchronized Long attempt() {
        return attempt == 0 ? null : attempt;
    }

    public synchronized int outOfOrder() {
        return outOfOrder;
    }

    public synchronized boolean done() {
        return done;
    }
}
