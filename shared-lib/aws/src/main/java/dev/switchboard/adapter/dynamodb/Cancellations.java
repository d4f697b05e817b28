package dev.switchboard.adapter.dynamodb;

import java.util.List;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/** What a cancelled {@code TransactWriteItems} says of its items, by their place in the transaction. */
final class Cancellations {
    /** A cancellation reason's code for an item whose condition failed. */
    static final String CONDITION_FAILED = "ConditionalCheckFailed";

    private Cancellations() {}

    /** The reasons, one per item in the transaction's order; empty when the exception carries none. */
    static List<CancellationReason> reasons(TransactionCanceledException e) {
        return e.hasCancellationReasons() ? e.cancellationReasons() : List.of();
    }

    /** Whether item {@code index} failed its condition (false when the reasons do not reach it). */
    static boolean conditionFailed(List<CancellationReason> reasons, int index) {
        return reasons.size() > index && CONDITION_FAILED.equals(reasons.get(index).code());
    }

    static boolean conditionFailed(TransactionCanceledException e, int index) {
        return conditionFailed(reasons(e), index);
    }
}
