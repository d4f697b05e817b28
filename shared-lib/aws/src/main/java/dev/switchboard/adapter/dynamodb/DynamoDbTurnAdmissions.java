package dev.switchboard.adapter.dynamodb;

import static dev.switchboard.adapter.dynamodb.Cancellations.conditionFailed;

import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.TurnClaim;
import dev.switchboard.port.TurnAdmissions;
import dev.switchboard.port.UserQuotas.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/**
 * One TransactWriteItems across the tables, of the items the adapters build: with a quota the day item's count of
 * the turn (UserData, conditional on the turns per minute and the tokens of the day) and, with slots, the session's
 * running-answer slot ({@code R#slots}); the claim (Messages, only if absent), the user message and the session's mark
 * (Sessions, only if the session exists). A failed condition is read from the cancellation reasons, item by item, in
 * this order: the claim (a retry: the earlier claim; with a quota the limits are then taken on their own, as a resend
 * that must pass them does), the session (missing: gone; its mark at or past the turn already, a newer turn marked
 * meanwhile: written again with a check that it exists in place of the mark), the day item (which limit, from the day
 * item as it was), the slot (every slot held by another session, as the slots item was: refused). A slot's condition
 * failing alone for want of the slots item (the user's first take) or with lapsed slots to free takes the slot on its
 * own ({@link DynamoDbUserQuotas#tryTakeSlot}) and writes the rest without it, releasing the slot when the rest is
 * refused or the session is gone; so no refusal stores anything. Any other reason (a conflict, a throttle) is thrown,
 * for the caller's retry.
 */
public final class DynamoDbTurnAdmissions implements TurnAdmissions {
    private final DynamoDbClient dynamo;
    private final DynamoDbSessionStore sessions;
    private final DynamoDbMessageStore messages;
    private final DynamoDbUserQuotas quotas;

    public DynamoDbTurnAdmissions(DynamoDbClient dynamo, DynamoDbSessionStore sessions,
                                  DynamoDbMessageStore messages, DynamoDbUserQuotas quotas) {
        this.dynamo = dynamo;
        this.sessions = sessions;
        this.messages = messages;
        this.quotas = quotas;
    }

    @Override
    public Outcome admit(StoredMessage message, String clientMessageId, String fingerprint, Quota quota) {
        return write(message, clientMessageId, fingerprint, quota, true);
    }

    /** @param mark whether to move the session's mark (else only check that the session exists) */
    private Outcome write(StoredMessage message, String clientMessageId, String fingerprint, Quota quota,
                          boolean mark) {
        String userId = message.userId();
        String sessionId = message.sessionId();
        long now = message.createdAtMillis();
        List<TransactWriteItem> items = new ArrayList<>(5);
        int day = -1;
        int slot = -1;
        if (quota != null) {
            day = items.size();
            items.add(TransactWriteItem.builder().update(quotas.startTurnUpdate(userId, now, quota.turnsPerMinute(),
                    quota.tokensPerDay())).build());
            if (quota.slots() > 0) {
                slot = items.size();
                items.add(TransactWriteItem.builder().update(quotas.takeSlotUpdate(userId, sessionId,
                        clientMessageId, now, quota.slots(), quota.holdMillis())).build());
            }
        }
        int claim = items.size();
        items.add(TransactWriteItem.builder().put(messages.claimPut(userId, sessionId, clientMessageId,
                message.turnId(), fingerprint, now)).build());
        items.add(TransactWriteItem.builder().put(messages.messagePut(message)).build());
        int session = items.size();
        items.add(mark
                ? TransactWriteItem.builder().update(sessions.markAcceptedUpdate(userId, sessionId, message.turnId(),
                        clientMessageId)).build()
                : TransactWriteItem.builder().conditionCheck(sessions.exists(userId, sessionId)).build());
        try {
            dynamo.transactWriteItems(b -> b.transactItems(items));
            return new Admitted(new TurnClaim(message.turnId(), now, true, fingerprint));
        } catch (TransactionCanceledException e) {
            List<CancellationReason> reasons = Cancellations.reasons(e);
            if (reasons.size() != items.size()) {
                throw e;
            }
            if (conditionFailed(reasons, claim)) {
                TurnClaim found = messages.claimFound(message, clientMessageId, reasons.get(claim).item());
                if (found.fresh()) {
                    return new Admitted(found); // this very write, applied before
                }
                Verdict verdict = quota == null ? Verdict.OK
                        : quota.takeFrom(quotas, userId, sessionId, clientMessageId, now);
                return verdict == Verdict.OK ? new Claimed(found) : new Refused(verdict);
            }
            if (conditionFailed(reasons, session)) {
                Map<String, AttributeValue> old = reasons.get(session).item();
                return mark && old != null && !old.isEmpty()
                        ? write(message, clientMessageId, fingerprint, quota, false) // a newer turn's mark stays
                        : new SessionGone();
            }
            if (day >= 0 && conditionFailed(reasons, day)) {
                return new Refused(DynamoDbUserQuotas.refused(reasons.get(day).item(), now, quota.turnsPerMinute()));
            }
            if (slot < 0 || !conditionFailed(reasons, slot) || !onlyFailed(reasons, slot)) {
                throw e; // a conflict or a throttle, for the caller's retry
            }
            if (DynamoDbUserQuotas.noSlotFree(reasons.get(slot).item(), now)) {
                return new Refused(Verdict.RUNNING_ANSWERS);
            }
            // the user's first take (no slots item yet) or a lapsed slot to free: the slot on its own, then the rest
            if (!quotas.tryTakeSlot(userId, sessionId, clientMessageId, now, quota.slots(), quota.holdMillis())) {
                return new Refused(Verdict.RUNNING_ANSWERS);
            }
            Outcome rest = write(message, clientMessageId, fingerprint,
                    new Quota(quota.turnsPerMinute(), quota.tokensPerDay(), 0, quota.holdMillis()), mark);
            if (rest instanceof Refused || rest instanceof SessionGone) {
                quotas.takeBackSlot(userId, sessionId, clientMessageId); // nothing of the turn stays
            }
            return rest;
        }
    }

    /** Whether every other item passed ({@code None}): the transaction was cancelled for {@code index} alone. */
    private static boolean onlyFailed(List<CancellationReason> reasons, int index) {
        for (int i = 0; i < reasons.size(); i++) {
            if (i != index && reasons.get(i).code() != null && !"None".equals(reasons.get(i).code())) {
                return false;
            }
        }
        return true;
    }
}
