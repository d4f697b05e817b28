package dev.switchboard.adapter.dynamodb;

import static dev.switchboard.adapter.dynamodb.Attr.*;

import dev.switchboard.port.UserQuotas;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;

/**
 * Items in the UserData table, under the user's partition: one per UTC day (sk {@code Q#<yyyyMMdd>}, expiring after
 * two days) with a counter per minute of the day ({@code t<minute>}) and the day's {@code tokens}; one per charged
 * model call (sk {@code C#<callId>}, its tokens and day, expiring after two days), written in one transaction with
 * the day's sum and only if absent, so a call is charged once; one item of running-answer slots (sk
 * {@code R#slots}): a map {@code slots} from each session holding a slot to its turn's clientMessageId {@code c} and
 * holdUntil {@code h}, so taking a slot is one UpdateItem conditional on {@code size(slots)} (a session's own entry
 * is overwritten, never counted twice) and releasing one an UpdateItem conditional on the entry's {@code c}; the item
 * stays when its last slot is released (its TTL, a day past the last slot's hold, removes an idle user's).
 * Starting a turn is one conditional UpdateItem that checks both limits and counts the turn; with a slot to take,
 * that update and the slot's are one TransactWriteItems.
 */
public final class DynamoDbUserQuotas implements UserQuotas {
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC);

    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbUserQuotas(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    static String dayKey(long nowMillis) {
        return "Q#" + DAY.format(Instant.ofEpochMilli(nowMillis));
    }

    static String minuteAttribute(long nowMillis) {
        return "t" + (nowMillis / 60_000) % 1440;
    }

    private static long expiry(long nowMillis) {
        return nowMillis / 1000 + 2 * 86_400;
    }

    /** The day item's conditional update that counts a turn in its minute (a limit of 0 is not checked). */
    private static Update startTurn(String table, String userId, long nowMillis, int turnsPerMinute,
                                    long tokensPerDay) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":one", n(1));
        values.put(":ttl", n(expiry(nowMillis)));
        StringBuilder condition = new StringBuilder();
        if (turnsPerMinute > 0) {
            values.put(":turns", n(turnsPerMinute));
            condition.append("(attribute_not_exists(#m) OR #m < :turns)");
        }
        if (tokensPerDay > 0) {
            values.put(":tokens", n(tokensPerDay));
            condition.append(condition.isEmpty() ? "" : " AND ").append("(attribute_not_exists(tokens) OR tokens < :tokens)");
        }
        return Update.builder().tableName(table).key(key(userId, dayKey(nowMillis)))
                .updateExpression("ADD #m :one SET expiresAt = :ttl")
                .conditionExpression(condition.isEmpty() ? null : condition.toString())
                .expressionAttributeNames(Map.of("#m", minuteAttribute(nowMillis)))
                .expressionAttributeValues(values)
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                .build();
    }

    /** The day item's update that counts a turn (for a write of more items, as {@link DynamoDbTurnAdmissions}'). */
    Update startTurnUpdate(String userId, long nowMillis, int turnsPerMinute, long tokensPerDay) {
        return startTurn(table, userId, nowMillis, turnsPerMinute, tokensPerDay);
    }

    /** Which limit a refused turn's day item (as it was) has reached. */
    static Verdict refused(Map<String, AttributeValue> old, long nowMillis, int turnsPerMinute) {
        Map<String, AttributeValue> item = old == null ? Map.of() : old;
        return turnsPerMinute > 0 && num(item, minuteAttribute(nowMillis)) >= turnsPerMinute
                ? Verdict.TURNS_PER_MINUTE : Verdict.TOKENS_PER_DAY;
    }

    @Override
    public Verdict tryStartTurn(String userId, long nowMillis, int turnsPerMinute, long tokensPerDay) {
        Update u = startTurn(table, userId, nowMillis, turnsPerMinute, tokensPerDay);
        try {
            dynamo.updateItem(b -> b.tableName(table).key(u.key()).updateExpression(u.updateExpression())
                    .conditionExpression(u.conditionExpression())
                    .expressionAttributeNames(u.expressionAttributeNames())
                    .expressionAttributeValues(u.expressionAttributeValues())
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
            return Verdict.OK;
        } catch (ConditionalCheckFailedException e) {
            return refused(e.hasItem() ? e.item() : null, nowMillis, turnsPerMinute);
        }
    }

    /**
     * One TransactWriteItems in the usual case: the day item's count of the turn and the session's slot (its own taken
     * over, or a new one while fewer than {@code slots} are held). When the slot's condition alone fails (every slot
     * is held and some may have lapsed, or the user's first take), the two are done one after the other, as
     * {@link UserQuotas#tryStartTurnWithSlot} does by default.
     */
    @Override
    public Verdict tryStartTurnWithSlot(String userId, String sessionId, String clientMessageId, long nowMillis,
                                        int turnsPerMinute, long tokensPerDay, int slots, long holdMillis) {
        Update slot = takeSlotUpdate(userId, sessionId, clientMessageId, nowMillis, slots, holdMillis);
        try {
            dynamo.transactWriteItems(b -> b.transactItems(
                    TransactWriteItem.builder().update(startTurn(table, userId, nowMillis, turnsPerMinute,
                            tokensPerDay)).build(),
                    TransactWriteItem.builder().update(slot).build()));
            return Verdict.OK;
        } catch (TransactionCanceledException e) {
            List<CancellationReason> reasons = Cancellations.reasons(e);
            if (reasons.size() < 2) {
                throw e;
            }
            if (Cancellations.conditionFailed(reasons, 0)) {
                return refused(reasons.get(0).item(), nowMillis, turnsPerMinute); // no slot taken
            }
            if (!Cancellations.conditionFailed(reasons, 1)) {
                throw e; // a conflict or a throttle, for the caller's retry
            }
            return UserQuotas.super.tryStartTurnWithSlot(userId, sessionId, clientMessageId, nowMillis,
                    turnsPerMinute, tokensPerDay, slots, holdMillis);
        }
    }

    /**
     * The slots item's update that takes the session's slot when it holds one or fewer than {@code slots} are held (it
     * fails on a user's first take, with no item yet, and when every slot is held, lapsed or not).
     */
    Update takeSlotUpdate(String userId, String sessionId, String clientMessageId, long nowMillis, int slots,
                          long holdMillis) {
        return Update.builder().tableName(table).key(key(userId, RUNNING))
                .updateExpression(TAKE)
                .conditionExpression(FREE_OR_OWN)
                .expressionAttributeNames(Map.of("#s", SLOTS, "#a", sessionId))
                .expressionAttributeValues(Map.of(":slot", slotValue(clientMessageId, nowMillis, holdMillis),
                        ":ttl", slotExpiry(nowMillis, holdMillis), ":k", n(slots)))
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                .build();
    }

    /**
     * Whether the slots item as it was when {@link #takeSlotUpdate}'s condition failed has every slot held, none
     * lapsed: then {@link #tryTakeSlot} would fail too. False when there was no item (the user's first take).
     */
    static boolean noSlotFree(Map<String, AttributeValue> old, long nowMillis) {
        return old != null && old.containsKey(SLOTS) && old.get(SLOTS).m().values().stream()
                .allMatch(slot -> slot.hasM() && num(slot.m(), "h") >= nowMillis);
    }

    @Override
    public boolean charge(String userId, String callId, long nowMillis, long tokens) {
        try {
            dynamo.transactWriteItems(b -> b.transactItems(chargeItems(userId, callId, nowMillis, tokens)));
            return true;
        } catch (TransactionCanceledException e) {
            if (Cancellations.conditionFailed(e, 0)) {
                return false; // this call's charge is stored already
            }
            throw e;
        }
    }

    /**
     * One transaction of three items: the call's charge item and the day's tokens ({@link #charge}), and the slot's
     * release (the session's entry removed if it still names the turn). When the transaction is cancelled, what it
     * could not do is left and the rest is done on its own: a charge stored already is not stored again; a slot taken
     * over or lapsed is not released; a conflict with another write (the user's next admission taking a slot) falls
     * back to the two requests.
     */
    @Override
    public boolean chargeAndReleaseSlot(String userId, String callId, long nowMillis, long tokens, String sessionId,
                                        String clientMessageId) {
        List<TransactWriteItem> items = new ArrayList<>(chargeItems(userId, callId, nowMillis, tokens));
        items.add(TransactWriteItem.builder().update(Update.builder().tableName(table).key(key(userId, RUNNING))
                .updateExpression("REMOVE #s.#a")
                .conditionExpression("#s.#a.c = :c")
                .expressionAttributeNames(Map.of("#s", SLOTS, "#a", sessionId))
                .expressionAttributeValues(Map.of(":c", s(clientMessageId))).build()).build());
        try {
            dynamo.transactWriteItems(b -> b.transactItems(items));
            return true;
        } catch (TransactionCanceledException e) {
            return apart(userId, callId, nowMillis, tokens, sessionId, clientMessageId, !Cancellations.conditionFailed(e, 0), !Cancellations.conditionFailed(e, 2),
                    null);
        } catch (RuntimeException e) {
            // throttled, timed out, or its outcome unknown: both parts on their own (each is conditional, so one the
            // transaction did write is not written again)
            return apart(userId, callId, nowMillis, tokens, sessionId, clientMessageId, true, true, e);
        }
    }

    /**
     * The charge and the release as two requests, the second tried even when the first fails; the first failure is
     * thrown after both, with {@code cause} (what the transaction met) suppressed in it.
     */
    private boolean apart(String userId, String callId, long nowMillis, long tokens, String sessionId,
                          String clientMessageId, boolean doCharge, boolean doRelease, RuntimeException cause) {
        RuntimeException failure = null;
        boolean charged = false;
        if (doCharge) {
            try {
                charged = charge(userId, callId, nowMillis, tokens);
            } catch (RuntimeException f) {
                failure = f;
            }
        }
        if (doRelease) {
            try {
                release(userId, sessionId, clientMessageId);
            } catch (RuntimeException f) {
                if (failure == null) {
                    failure = f;
                } else {
                    failure.addSuppressed(f);
                }
            }
        }
        if (failure != null) {
            if (cause != null) {
                failure.addSuppressed(cause);
            }
            throw failure;
        }
        return charged;
    }

    /** The charge item of the call (put only if absent) and the day's tokens added to. */
    private List<TransactWriteItem> chargeItems(String userId, String callId, long nowMillis, long tokens) {
        long amount = Math.max(0, tokens);
        Map<String, AttributeValue> call = new HashMap<>(key(userId, "C#" + callId));
        call.put("tokens", n(amount));
        call.put("day", s(dayKey(nowMillis)));
        call.put("chargedAt", n(nowMillis));
        call.put("expiresAt", n(expiry(nowMillis)));
        return List.of(
                TransactWriteItem.builder().put(Put.builder().tableName(table).item(call)
                        .conditionExpression("attribute_not_exists(pk)").build()).build(),
                TransactWriteItem.builder().update(Update.builder().tableName(table)
                        .key(key(userId, dayKey(nowMillis)))
                        .updateExpression("ADD tokens :n SET expiresAt = :ttl")
                        .expressionAttributeValues(Map.of(":n", n(amount), ":ttl", n(expiry(nowMillis))))
                        .build()).build());
    }


    @Override
    public long tokensUsed(String userId, long nowMillis) {
        var item = dynamo.getItem(b -> b.tableName(table).key(key(userId, dayKey(nowMillis))).consistentRead(true)
                .projectionExpression("tokens")).item();
        return item == null ? 0 : num(item, "tokens");
    }

    private static final String RUNNING = "R#slots";
    /** The map of the sessions holding a slot: session id to its turn's clientMessageId {@code c} and holdUntil {@code h}. */
    private static final String SLOTS = "slots";
    /** A slot for the session ({@code #a}): its own taken over, or a new one while fewer than {@code :k} are held. */
    private static final String TAKE = "SET #s.#a = :slot, expiresAt = :ttl";
    private static final String FREE_OR_OWN = "attribute_exists(#s.#a) OR size(#s) < :k";
    /** Writes tried per take: each failed condition returns the item, so the next try is decided on what is stored. */
    private static final int TAKE_TRIES = 5;

    /**
     * One conditional UpdateItem in the usual case (the session's slot taken over, or a new one while fewer than
     * {@code slots} are held). The item is created, with no slot, by the first take of a user; only when every slot
     * is held does a second write free the lapsed ones (each still as it was read) and take one of them.
     */
    @Override
    public boolean tryTakeSlot(String userId, String sessionId, String clientMessageId, long nowMillis, int slots,
                               long holdMillis) {
        AttributeValue slot = slotValue(clientMessageId, nowMillis, holdMillis);
        AttributeValue ttl = slotExpiry(nowMillis, holdMillis);
        Map<String, AttributeValue> seen = null; // not read yet
        for (int attempt = 0; attempt < TAKE_TRIES; attempt++) {
            Map<String, String> names = new HashMap<>(Map.of("#s", SLOTS, "#a", sessionId));
            Map<String, AttributeValue> values = new HashMap<>(Map.of(":slot", slot, ":ttl", ttl));
            String update = TAKE;
            String condition;
            Map<String, AttributeValue> held = seen == null || !seen.containsKey(SLOTS) ? null : seen.get(SLOTS).m();
            if (seen != null && held == null) {
                // the user's first take: the item with an empty map (a concurrent first take may have made it)
                dynamo.updateItem(b -> b.tableName(table).key(key(userId, RUNNING))
                        .updateExpression("SET #s = if_not_exists(#s, :empty), expiresAt = :ttl")
                        .expressionAttributeNames(Map.of("#s", SLOTS))
                        .expressionAttributeValues(Map.of(":empty", AttributeValue.fromM(Map.of()), ":ttl", ttl)));
                condition = FREE_OR_OWN;
                values.put(":k", n(slots));
            } else if (held == null || held.containsKey(sessionId) || held.size() < slots) {
                condition = FREE_OR_OWN;
                values.put(":k", n(slots));
            } else {
                List<String> lapsed = new ArrayList<>();
                held.forEach((session, value) -> {
                    if (value.hasM() && num(value.m(), "h") < nowMillis) {
                        lapsed.add(session);
                    }
                });
                if (lapsed.isEmpty()) {
                    return false; // every slot is held by another session
                }
                StringBuilder remove = new StringBuilder();
                StringBuilder still = new StringBuilder("attribute_not_exists(#s.#a) AND size(#s) = :seen");
                for (int i = 0; i < lapsed.size(); i++) {
                    names.put("#l" + i, lapsed.get(i));
                    values.put(":h" + i, n(num(held.get(lapsed.get(i)).m(), "h")));
                    remove.append(i == 0 ? " REMOVE " : ", ").append("#s.#l").append(i);
                    still.append(" AND #s.#l").append(i).append(".h = :h").append(i);
                }
                update = TAKE + remove;
                condition = still.toString();
                values.put(":seen", n(held.size()));
            }
            try {
                String u = update;
                String c = condition;
                dynamo.updateItem(b -> b.tableName(table).key(key(userId, RUNNING))
                        .updateExpression(u).conditionExpression(c)
                        .expressionAttributeNames(names).expressionAttributeValues(values)
                        .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
                return true;
            } catch (ConditionalCheckFailedException e) {
                seen = e.hasItem() ? e.item() : Map.of(); // another take or release came first: decide again
            }
        }
        return false;
    }

    private static AttributeValue slotValue(String clientMessageId, long nowMillis, long holdMillis) {
        return AttributeValue.fromM(Map.of("c", s(clientMessageId), "h", n(nowMillis + holdMillis)));
    }

    private static AttributeValue slotExpiry(long nowMillis, long holdMillis) {
        return n((nowMillis + holdMillis) / 1000 + 86_400);
    }

    /**
     * One UpdateItem; the slots item stays when its map is left empty, so the user's next take is the one conditional
     * write it usually is (a deleted user's item is deleted with the user's partition, and an idle user's expires a
     * day after its last slot's hold).
     */
    @Override
    public void releaseSlot(String userId, String sessionId, String clientMessageId) {
        release(userId, sessionId, clientMessageId);
    }

    /**
     * Gives back a slot just taken for a turn that was then not admitted (its session gone, a limit reached), and
     * deletes the slots item when that leaves it empty: a take that raced the user's deletion may have made the item
     * after the partition was deleted, and nothing of a deleted user may stay.
     */
    void takeBackSlot(String userId, String sessionId, String clientMessageId) {
        Map<String, AttributeValue> after = release(userId, sessionId, clientMessageId);
        if (after != null && (!after.containsKey(SLOTS) || after.get(SLOTS).m().isEmpty())) {
            try {
                dynamo.deleteItem(b -> b.tableName(table).key(key(userId, RUNNING))
                        .conditionExpression("attribute_not_exists(#s) OR size(#s) = :zero")
                        .expressionAttributeNames(Map.of("#s", SLOTS))
                        .expressionAttributeValues(Map.of(":zero", n(0))));
            } catch (ConditionalCheckFailedException e) {
                // a slot was taken in between: the item stays
            }
        }
    }

    /** Removes the session's entry if it still names {@code clientMessageId}; the item after, or null when it did not. */
    private Map<String, AttributeValue> release(String userId, String sessionId, String clientMessageId) {
        try {
            return dynamo.updateItem(b -> b.tableName(table).key(key(userId, RUNNING))
                    .updateExpression("REMOVE #s.#a")
                    .conditionExpression("#s.#a.c = :c")
                    .expressionAttributeNames(Map.of("#s", SLOTS, "#a", sessionId))
                    .expressionAttributeValues(Map.of(":c", s(clientMessageId)))
                    .returnValues(ReturnValue.ALL_NEW)).attributes();
        } catch (ConditionalCheckFailedException e) {
            return null; // taken over by a newer turn of the session, or freed for another session after it lapsed
        }
    }
}
