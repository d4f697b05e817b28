package dev.switchboard.domain;

import java.util.List;

/**
 * How a stored answer was streamed, so a client that lost its connection can be sent exactly what it missed:
 * {@code attempt} is the worker run that streamed it; the deltas from {@code firstSeq} on were streamed by that run and
 * {@code ends.get(i)} is the end offset (UTF-16 chars into the answer) of delta {@code firstSeq + i}; the text before
 * {@code firstOffset} was streamed as deltas {@code 0..firstSeq-1} before a pause for a tool decision.
 */
public record StreamMarks(long attempt, int firstSeq, int firstOffset, List<Integer> ends) {
    public StreamMarks {
        ends = List.copyOf(ends);
    }

    /** How many deltas the answer was streamed in. */
    public int deltas() {
        return firstSeq + ends.size();
    }

    /**
     * Where to continue for a client whose last delta is {@code lastSeq} of run {@code clientAttempt} (null: unknown):
     * the seq to replay from and its offset into the answer. Deltas of another run, or before this run's first
     * delta, cannot be matched: the whole answer is replayed from seq 0.
     */
    public Position after(int lastSeq, Long clientAttempt, int textLength) {
        int next = lastSeq + 1;
        if (next == 0) {
            return new Position(0, 0);
        }
        if (next == firstSeq) {
            return new Position(firstSeq, firstOffset);
        }
        if (clientAttempt == null || clientAttempt != attempt || next < firstSeq) {
            return new Position(0, 0);
        }
        if (next >= deltas()) {
            return new Position(deltas(), textLength);
        }
        return new Position(next, ends.get(next - 1 - firstSeq));
    }

    /** A delta seq and the offset of its text in the answer. */
    public record Position(int seq, int offset) {}

    /** Compact text form for storage: {@code attempt;firstSeq;firstOffset;end,end,...}. */
    public String encode() {
        StringBuilder b = new StringBuilder().append(attempt).append(';').append(firstSeq).append(';')
                .append(firstOffset).append(';');
        for (int i = 0; i < ends.size(); i++) {
            b.append(i == 0 ? "" : ",").append(ends.get(i));
        }
        return b.toString();
    }

    /** @return null for null or malformed input (an answer stored before streams were recorded) */
    public static StreamMarks decode(String s) {
        if (s == null) {
            return null;
        }
        try {
            String[] parts = s.split(";", -1);
            List<Integer> ends = parts[3].isEmpty() ? List.of()
                    : java.util.Arrays.stream(parts[3].split(",")).map(Integer::valueOf).toList();
            return new StreamMarks(Long.parseLong(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2]),
                    ends);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
