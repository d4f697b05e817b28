package dev.switchboard.adapter.dynamodb;

import static dev.switchboard.adapter.dynamodb.Attr.*;

import dev.switchboard.domain.BusyPolicy;
import dev.switchboard.domain.Page;
import dev.switchboard.domain.ResumeRequest;
import dev.switchboard.domain.RunClaim;
import dev.switchboard.domain.Session;
import dev.switchboard.port.SessionStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionCheck;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.Update;

/**
 * Sessions table: pk = userId, sk = sessionId. Turn marks ({@code lastTurnId}, {@code settledTurnId},
 * {@code cancelUpTo}) only move forward: each is set with a condition that it is absent or older. The run claim
 * ({@code runTurn}, {@code runUntil}, {@code runAttempt}) and the resume requests ({@code resumes}, a list) live on the
 * same item, so claiming a run also reads the session and settling a turn also ends its claim: no extra requests. So
 * does the hold mark ({@code held}, the newest job of the session's group held for the sweep), read with the session.
 */
public final class DynamoDbSessionStore implements SessionStore {
    /** The newest held job of the session's group ({@link Session#held()}). */
    private static final String HELD = "held";

    private final DynamoDbClient dynamo;
    private final String table;

    public DynamoDbSessionStore(DynamoDbClient dynamo, String table) {
        this.dynamo = dynamo;
        this.table = table;
    }

    @Override
    public Optional<Session> get(String userId, String sessionId) {
        var item = dynamo.getItem(b -> b.tableName(table).key(key(userId, sessionId)).consistentRead(true)).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(toSession(item));
    }

    @Override
    public Session createIfAbsent(Session s) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(PK, s(s.userId()));
        item.put(SK, s(s.sessionId()));
        item.put("title", s(s.title()));
        item.put("createdAt", n(s.createdAtMillis()));
        item.put("updatedAt", n(s.updatedAtMillis()));
        if (s.model() != null) {
            item.put("model", s(s.model()));
        }
        if (s.systemPrompt() != null) {
            item.put("systemPrompt", s(s.systemPrompt()));
        }
        if (s.busyPolicy() != null) {
            item.put("busyPolicy", s(s.busyPolicy().name()));
        }
        try {
            dynamo.putItem(b -> b.tableName(table).item(item)
                    .conditionExpression("attribute_not_exists(pk)")
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
            return s;
        } catch (ConditionalCheckFailedException e) {
            return e.hasItem() ? toSession(e.item()) : get(s.userId(), s.sessionId()).orElse(s);
        }
    }

    @Override
    public boolean touch(String userId, String sessionId, long updatedAtMillis) {
        try {
            dynamo.updateItem(b -> b.tableName(table).key(key(userId, sessionId))
                    .updateExpression("SET updatedAt = :t")
                    .conditionExpression("attribute_exists(pk)")
                    .expressionAttributeValues(Map.of(":t", n(updatedAtMillis)))
                    .returnValues(ReturnValue.NONE));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false; // the session was deleted meanwhile: do not bring it back
        }
    }

    @Override
    public Optional<Session> update(String userId, String sessionId, String title, String model, String systemPrompt,
                                    BusyPolicy busyPolicy) {
        List<String> set = new ArrayList<>();
        List<String> remove = new ArrayList<>();
        Map<String, AttributeValue> values = new HashMap<>();
        setting(set, remove, values, "title", title);
        setting(set, remove, values, "model", model);
        setting(set, remove, values, "systemPrompt", systemPrompt);
        setting(set, remove, values, "busyPolicy", busyPolicy == null ? null : busyPolicy.name());
        if (set.isEmpty() && remove.isEmpty()) {
            return get(userId, sessionId);
        }
        String expression = (set.isEmpty() ? "" : "SET " + String.join(", ", set))
                + (remove.isEmpty() ? "" : " REMOVE " + String.join(", ", remove));
        try {
            var r = dynamo.updateItem(b -> b.tableName(table).key(key(userId, sessionId))
                    .updateExpression(expression.strip())
                    .conditionExpression("attribute_exists(pk)")
                    .expressionAttributeValues(values.isEmpty() ? null : values)
                    .returnValues(ReturnValue.ALL_NEW));
            return Optional.of(toSession(r.attributes()));
        } catch (ConditionalCheckFailedException e) {
            return Optional.empty();
        }
    }

    @Override
    public Optional<Session> retitle(String userId, String sessionId, String expectedTitle, String title) {
        try {
            var r = dynamo.updateItem(b -> b.tableName(table).key(key(userId, sessionId))
                    .updateExpression("SET title = :t")
                    .conditionExpression("attribute_exists(pk) AND title = :e")
                    .expressionAttributeValues(Map.of(":t", s(title), ":e", s(expectedTitle)))
                    .returnValues(ReturnValue.ALL_NEW));
            return Optional.of(toSession(r.attributes()));
        } catch (ConditionalCheckFailedException e) {
            return Optional.empty();
        }
    }

    private static void setting(List<String> set, List<String> remove, Map<String, AttributeValue> values,
                                String name, String value) {
        if (value == null) {
            return;
        }
        if (value.isEmpty()) {
            remove.add(name);
        } else {
            set.add(name + " = :" + name);
            values.put(":" + name, s(value));
        }
    }

    @Override
    public boolean markAccepted(String userId, String sessionId, String turnId, String clientMessageId) {
        return moveForward(markAcceptedUpdate(userId, sessionId, turnId, clientMessageId));
    }

    @Override
    public Optional<Session> settle(String userId, String sessionId, String turnId, long updatedAtMillis) {
        // one UpdateItem: the mark, updatedAt, the end of the run claim and the resume requests taken, together
        try {
            var old = dynamo.updateItem(b -> b.tableName(table).key(key(userId, sessionId))
                    .updateExpression("SET settledTurnId = :t, updatedAt = :u REMOVE runUntil, runTurn, resumes")
                    .conditionExpression("attribute_exists(pk) AND (attribute_not_exists(settledTurnId) OR "
                            + "settledTurnId < :t)")
                    .expressionAttributeValues(Map.of(":t", s(turnId), ":u", n(updatedAtMillis)))
                    .returnValues(ReturnValue.ALL_OLD)
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)).attributes();
            return Optional.of(toSession(old));
        } catch (ConditionalCheckFailedException e) {
            if (!e.hasItem() || e.item().isEmpty()) {
                return Optional.empty();
            }
            // a newer turn is settled already (an older one settling late): the marks stay, the claim still ends
            releaseClaim(userId, sessionId, null);
            return Optional.of(toSession(e.item()));
        }
    }

    @Override
    public RunClaim claimRun(String userId, String sessionId, String turnId, long nowMillis, long untilMillis) {
        try {
            var old = dynamo.updateItem(b -> b.tableName(table).key(key(userId, sessionId))
                    .updateExpression("SET runTurn = :t, runUntil = :until ADD runAttempt :one")
                    .conditionExpression("attribute_exists(pk) AND (attribute_not_exists(runUntil) OR runUntil < :now)")
                    .expressionAttributeValues(Map.of(":t", s(turnId), ":until", n(untilMillis), ":one", n(1),
                            ":now", n(nowMillis)))
                    .returnValues(ReturnValue.ALL_OLD)
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)).attributes();
            return RunClaim.claimed(toSession(old), num(old, "runAttempt") + 1, turnId.equals(str(old, "runTurn")));
        } catch (ConditionalCheckFailedException e) {
            return !e.hasItem() || e.item().isEmpty() ? RunClaim.gone() : RunClaim.held(num(e.item(), "runUntil"));
        }
    }

    @Override
    public void releaseRun(String userId, String sessionId, long attempt) {
        releaseClaim(userId, sessionId, attempt);
    }

    /** Removes the live claim ({@code attempt} null: whichever it is); the turn it was for is kept (see claimRun). */
    private void releaseClaim(String userId, String sessionId, Long attempt) {
        try {
            dynamo.updateItem(b -> b.tableName(table).key(key(userId, sessionId))
                    .updateExpression("REMOVE runUntil")
                    .conditionExpression(attempt == null ? "attribute_exists(pk)"
                            : "attribute_exists(pk) AND runAttempt = :a")
                    .expressionAttributeValues(attempt == null ? null : Map.of(":a", n(attempt))));
        } catch (ConditionalCheckFailedException e) {
            // gone, or another run claimed it meanwhile: nothing of ours to release
        }
    }

    @Override
    public boolean requestResume(String userId, String sessionId, ResumeRequest request) {
        try {
            dynamo.updateItem(b -> b.tableName(table).key(key(userId, sessionId))
                    .updateExpression("SET resumes = list_append(if_not_exists(resumes, :empty), :r)")
                    .conditionExpression("attribute_exists(pk) AND (attribute_not_exists(resumes) OR size(resumes) < :max)")
                    .expressionAttributeValues(Map.of(":empty", AttributeValue.fromL(List.of()),
                            ":r", AttributeValue.fromL(List.of(s(request.encode()))), ":max", n(MAX_RESUMES))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    @Override
    public boolean cancelUpTo(String userId, String sessionId, String turnId) {
        return moveForward(forward(userId, sessionId, "cancelUpTo", turnId, "", Map.of()));
    }

    /** Sets a turn mark ({@link #forward}) unless it is already at or past its turn; false only when the session is missing. */
    private boolean moveForward(Update u) {
        try {
            dynamo.updateItem(b -> b.tableName(table).key(u.key()).updateExpression(u.updateExpression())
                    .conditionExpression(u.conditionExpression())
                    .expressionAttributeValues(u.expressionAttributeValues())
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return e.hasItem() && !e.item().isEmpty();
        }
    }

    /**
     * The update that moves a turn mark forward: it fails when the session is missing (then it returns no item) or
     * its mark is at or past {@code turnId} already (then it returns the session).
     */
    private Update forward(String userId, String sessionId, String attribute, String turnId, String alsoSet,
                           Map<String, AttributeValue> alsoValues) {
        Map<String, AttributeValue> values = new HashMap<>(alsoValues);
        values.put(":t", s(turnId));
        return Update.builder().tableName(table).key(key(userId, sessionId))
                .updateExpression("SET " + attribute + " = :t" + alsoSet)
                .conditionExpression("attribute_exists(pk) AND (attribute_not_exists(" + attribute + ") OR "
                        + attribute + " < :t)")
                .expressionAttributeValues(values)
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                .build();
    }

    /** {@link #markAccepted}'s update, for a write of more items ({@link DynamoDbTurnAdmissions}'). */
    Update markAcceptedUpdate(String userId, String sessionId, String turnId, String clientMessageId) {
        return forward(userId, sessionId, "lastTurnId", turnId, ", lastClientMessageId = :c",
                Map.of(":c", s(clientMessageId)));
    }

    /** A check that the session exists (when its mark is past the turn already). */
    ConditionCheck exists(String userId, String sessionId) {
        return ConditionCheck.builder().tableName(table).key(key(userId, sessionId))
                .conditionExpression("attribute_exists(pk)").build();
    }

    @Override
    public boolean markHeld(String userId, String sessionId, String jobId) {
        try {
            dynamo.updateItem(b -> b.tableName(table).key(key(userId, sessionId))
                    .updateExpression("SET " + HELD + " = :j")
                    .conditionExpression("attribute_exists(pk)")
                    .expressionAttributeValues(Map.of(":j", s(jobId))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    @Override
    public void clearHeld(String userId, String sessionId, String jobId) {
        try {
            dynamo.updateItem(b -> b.tableName(table).key(key(userId, sessionId))
                    .updateExpression("REMOVE " + HELD)
                    .conditionExpression(HELD + " = :j")
                    .expressionAttributeValues(Map.of(":j", s(jobId))));
        } catch (ConditionalCheckFailedException e) {
            // a newer hold's mark (or the session is gone)
        }
    }

    @Override
    public Page<Session> list(String userId, int limit, String cursor) {
        QueryResponse r = dynamo.query(b -> b.tableName(table)
                .keyConditionExpression("pk = :u")
                .expressionAttributeValues(Map.of(":u", s(userId)))
                .exclusiveStartKey(startKey(userId, cursor, ""))
                .limit(limit + 1));
        return page(r, limit, DynamoDbSessionStore::toSession);
    }

    @Override
    public boolean delete(String userId, String sessionId) {
        var old = dynamo.deleteItem(b -> b.tableName(table).key(key(userId, sessionId))
                .returnValues(ReturnValue.ALL_OLD)).attributes();
        return old != null && !old.isEmpty();
    }

    private static Session toSession(Map<String, AttributeValue> item) {
        String policy = str(item, "busyPolicy");
        return new Session(str(item, PK), str(item, SK), str(item, "title"),
                num(item, "createdAt"), num(item, "updatedAt"), str(item, "model"), str(item, "systemPrompt"),
                policy == null ? null : BusyPolicy.valueOf(policy), str(item, "lastTurnId"),
                str(item, "lastClientMessageId"), str(item, "settledTurnId"), str(item, "cancelUpTo"),
                resumes(item), str(item, HELD));
    }

    private static List<ResumeRequest> resumes(Map<String, AttributeValue> item) {
        AttributeValue list = item.get("resumes");
        if (list == null || !list.hasL()) {
            return List.of();
        }
        List<ResumeRequest> out = new ArrayList<>();
        for (AttributeValue v : list.l()) {
            ResumeRequest r = v.s() == null ? null : ResumeRequest.decode(v.s());
            if (r != null) {
                out.add(r);
            }
        }
        return out;
    }
}
