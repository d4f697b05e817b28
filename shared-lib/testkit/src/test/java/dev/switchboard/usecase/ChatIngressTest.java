package dev.switchboard.usecase;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.Session;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.port.Clock;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Limits;
import dev.switchboard.protocol.ProtocolCodec;
import dev.switchboard.protocol.ServerEvent;
import dev.switchboard.domain.Ids;
import dev.switchboard.testing.InMemoryPendingTurns;
import dev.switchboard.testing.InMemorySessionStore;
import dev.switchboard.testing.InMemoryTurnAdmissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChatIngressTest extends IngressTestBed {
    private static final long NOW = 1_700_000_000_123L;

    private final Clock clock = () -> NOW;
    private ChatIngress ingress;

    @BeforeEach
    void setUp() {
        ingress = new ChatIngress(new ProtocolCodec(), sessions, messages, queue, ids, clock);
    }

    private static String send(String clientMessageId, String sessionId, String text) {
        return "{\"action\":\"sendMessage\",\"clientMessageId\":\"" + clientMessageId + "\""
                + (sessionId == null ? "" : ",\"sessionId\":\"" + sessionId + "\"")
                + ",\"text\":\"" + text + "\"}";
    }

    private static String history(String sessionId, int limit, String cursor) {
        return "{\"action\":\"getHistory\",\"sessionId\":\"" + sessionId + "\",\"limit\":" + limit
                + (cursor == null ? "" : ",\"cursor\":\"" + cursor + "\"") + "}";
    }

    private int totalWrites() {
        return sessions.writes.get() + messages.writes.get();
    }

    @Test
    void sendMessageWithoutSessionCreatesSessionStoresMessageAndEnqueuesTurn() {
        ServerEvent reply = ingress.handle(ALICE, send("c-1", null, "Hello   there\\nfriend"));

        String expectedSession = Ids.sessionIdFor(ALICE, "c-1");
        assertThat(reply).isInstanceOfSatisfying(ServerEvent.Accepted.class, a -> {
            assertThat(a.sessionId()).isEqualTo(expectedSession);
            assertThat(a.clientMessageId()).isEqualTo("c-1");
            assertThat(a.duplicate()).isFalse();
            assertThat(a.turnId()).startsWith(String.format("%013d-", NOW));
        });
        String turnId = ((ServerEvent.Accepted) reply).turnId();

        Session session = sessions.get(ALICE, expectedSession).orElseThrow();
        assertThat(session.title()).isEqualTo("Hello there friend");
        assertThat(session.createdAtMillis()).isEqualTo(NOW);
        assertThat(session.updatedAtMillis()).isEqualTo(NOW);

        assertThat(messages.all()).containsExactly(
                new StoredMessage(ALICE, expectedSession, turnId, Role.USER, "Hello   there\nfriend", NOW, null));
        assertThat(queue.enqueued).containsExactly(new TurnRequest(ALICE, expectedSession, turnId, "c-1", NOW));
    }

    @Test
    void longTextGivesATruncatedTitle() {
        String text = "word ".repeat(40).strip();
        ingress.handle(ALICE, send("c-1", null, text));
        String title = sessions.get(ALICE, Ids.sessionIdFor(ALICE, "c-1")).orElseThrow().title();
        assertThat(title).hasSize(61).endsWith("…").startsWith("word word");
    }

    /**
     * The title is cut at 60 chars; it must not cut a character in half (a lone surrogate is not valid UTF-8 and is
     * mangled on its way to DynamoDB and to the client).
     */
    @Test
    void titleNeverSplitsACharacter() {
        String text = "a".repeat(59) + "\uD83D\uDE00" + " and more text after the emoji";
        ingress.handle(ALICE, send("c-1", null, text));
        String title = sessions.get(ALICE, Ids.sessionIdFor(ALICE, "c-1")).orElseThrow().title();
        assertThat(title).startsWith("a".repeat(59)).endsWith("…");
        assertThat(title.codePoints().filter(cp -> Character.isSurrogate((char) cp) && cp <= 0xFFFF)).as("lone surrogates").isEmpty();
        assertThat(new String(title.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(title);
    }

    @Test
    void sameClientMessageIdAgainIsADuplicateWithTheSameTurn() {
        ServerEvent.Accepted first = (ServerEvent.Accepted) ingress.handle(ALICE, send("c-1", null, "hi"));
        int messageWritesAfterFirst = messages.writes.get();

        ServerEvent second = ingress.handle(ALICE, send("c-1", null, "hi"));

        assertThat(second).isEqualTo(new ServerEvent.Accepted(first.sessionId(), first.turnId(), "c-1", true));
        assertThat(messages.all()).hasSize(1);
        assertThat(messages.writes.get()).isEqualTo(messageWritesAfterFirst);
        // a repeated enqueue is allowed (the FIFO queue deduplicates by turn id), but only ever of the same turn
        assertThat(queue.enqueued).isNotEmpty().allSatisfy(t -> assertThat(t.turnId()).isEqualTo(first.turnId()));
    }

    @Test
    void duplicateInAnExistingSessionKeepsTheTurn() {
        ServerEvent.Accepted first = (ServerEvent.Accepted) ingress.handle(ALICE, send("c-1", null, "hi"));
        ServerEvent.Accepted a = (ServerEvent.Accepted) ingress.handle(ALICE, send("c-2", first.sessionId(), "next"));
        ServerEvent.Accepted b = (ServerEvent.Accepted) ingress.handle(ALICE, send("c-2", first.sessionId(), "next"));

        assertThat(a.duplicate()).isFalse();
        assertThat(b.duplicate()).isTrue();
        assertThat(b.turnId()).isEqualTo(a.turnId());
        assertThat(a.sessionId()).isEqualTo(first.sessionId());
        assertThat(messages.all()).extracting(StoredMessage::text).containsExactlyInAnyOrder("hi", "next");
    }

    @Test
    void unknownSessionAndAnotherUsersSessionGiveTheSameError() {
        ServerEvent.Accepted bobs = (ServerEvent.Accepted) ingress.handle(BOB, send("b-1", null, "bob's secret"));
        int writesBefore = totalWrites();
        int queuedBefore = queue.enqueued.size();
        int messagesBefore = messages.all().size();

        ServerEvent toOthers = ingress.handle(ALICE, send("c-1", bobs.sessionId(), "let me in"));
        String unknownId = "s-" + "0".repeat(32);
        ServerEvent toUnknown = ingress.handle(ALICE, send("c-1", unknownId, "let me in"));

        ServerEvent.Error expected = new ServerEvent.Error(ErrorCode.SESSION_NOT_FOUND.name(), "No such session",
                "sendMessage", bobs.sessionId(), null, "c-1");
        assertThat(toOthers).isEqualTo(expected);
        // identical apart from the echoed session id
        assertThat(toUnknown).isEqualTo(new ServerEvent.Error(expected.code(), expected.message(), expected.action(),
                unknownId, null, "c-1"));

        assertThat(totalWrites()).isEqualTo(writesBefore);
        assertThat(queue.enqueued).hasSize(queuedBefore);
        assertThat(messages.all()).hasSize(messagesBefore);
        assertThat(sessions.get(ALICE, bobs.sessionId())).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "nope", "[]", "{\"action\":\"fly\"}",
            "{\"action\":\"sendMessage\",\"text\":\"hi\"}",
            "{\"action\":\"sendMessage\",\"clientMessageId\":\"c\",\"text\":\"hi\",\"userId\":\"bob\"}",
            "{\"action\":\"sendMessage\",\"clientMessageId\":\"a b\",\"text\":\"hi\"}",
            "{\"action\":\"getHistory\",\"sessionId\":\"s\",\"limit\":0}",
            "{\"action\":\"deleteSession\"}"})
    void badFramesWriteNothing(String body) {
        ServerEvent reply = ingress.handle(ALICE, body);

        assertThat(reply).isInstanceOf(ServerEvent.Error.class);
        assertThat(((ServerEvent.Error) reply).code()).isNotEqualTo(ErrorCode.INTERNAL.name());
        assertThat(totalWrites()).isZero();
        assertThat(queue.enqueued).isEmpty();
        assertThat(messages.all()).isEmpty();
    }

    @Test
    void oversizedTextIsRefusedAndWritesNothing() {
        ServerEvent reply = ingress.handle(ALICE, send("c-1", null, "x".repeat(Limits.MAX_TEXT_CHARS + 1)));
        assertThat(reply).isInstanceOfSatisfying(ServerEvent.Error.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.FIELD_TOO_LONG.name()));
        assertThat(totalWrites()).isZero();
        assertThat(queue.enqueued).isEmpty();
    }

    private List<String> seedFiveMessages(String sessionId) {
        sessions.createIfAbsent(new Session(ALICE, sessionId, "t", 1, 1));
        List<String> turnIds = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String turnId = ids.newTurnId(1_000 + i);
            turnIds.add(turnId);
            messages.putIfAbsent(new StoredMessage(ALICE, sessionId, turnId, Role.USER, "m" + i, 1_000 + i, null));
        }
        return turnIds;
    }

    @Test
    void getHistoryPagesFromTheNewestBackToTheOldest() {
        List<String> turnIds = seedFiveMessages("s1");

        ServerEvent.History p1 = (ServerEvent.History) ingress.handle(ALICE, history("s1", 2, null));
        assertThat(p1.sessionId()).isEqualTo("s1");
        assertThat(p1.messages()).extracting(ServerEvent.HistoryMessage::text).containsExactly("m3", "m4");
        assertThat(p1.nextCursor()).isNotNull();

        ServerEvent.History p2 = (ServerEvent.History) ingress.handle(ALICE, history("s1", 2, p1.nextCursor()));
        assertThat(p2.messages()).extracting(ServerEvent.HistoryMessage::text).containsExactly("m1", "m2");
        assertThat(p2.nextCursor()).isNotNull();

        ServerEvent.History p3 = (ServerEvent.History) ingress.handle(ALICE, history("s1", 2, p2.nextCursor()));
        assertThat(p3.messages()).extracting(ServerEvent.HistoryMessage::text).containsExactly("m0");
        assertThat(p3.nextCursor()).isNull();

        ServerEvent.HistoryMessage oldest = p3.messages().get(0);
        assertThat(oldest.turnId()).isEqualTo(turnIds.get(0));
        assertThat(oldest.role()).isEqualTo("user");
        assertThat(oldest.createdAt()).isEqualTo(Instant.ofEpochMilli(1_000).toString());
        assertThat(oldest.model()).isNull();
    }

    @Test
    void getHistoryDefaultPageHoldsEverythingOldestFirst() {
        seedFiveMessages("s1");
        ServerEvent.History all = (ServerEvent.History) ingress.handle(ALICE,
                "{\"action\":\"getHistory\",\"sessionId\":\"s1\"}");
        assertThat(all.messages()).extracting(ServerEvent.HistoryMessage::text)
                .containsExactly("m0", "m1", "m2", "m3", "m4");
        assertThat(all.nextCursor()).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"!!!not-base64!!!", "bm90LWEta2V5"})
    void getHistoryWithABadCursorIsInvalidField(String cursor) {
        seedFiveMessages("s1");
        ServerEvent reply = ingress.handle(ALICE, history("s1", 2, cursor));
        assertThat(reply).isInstanceOfSatisfying(ServerEvent.Error.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FIELD.name());
            assertThat(e.action()).isEqualTo("getHistory");
        });
    }

    @Test
    void getHistoryOfAnotherUsersSessionIsNotFound() {
        seedFiveMessages("s1");
        ServerEvent reply = ingress.handle(BOB, history("s1", 2, null));
        assertThat(reply).isEqualTo(new ServerEvent.Error(ErrorCode.SESSION_NOT_FOUND.name(), "No such session",
                "getHistory", "s1", null, null));
    }

    @Test
    void deleteSessionRemovesMessagesAndSessionThenHistoryIsNotFound() {
        seedFiveMessages("s1");
        seedFiveMessages("s2");

        ServerEvent reply = ingress.handle(ALICE, "{\"action\":\"deleteSession\",\"sessionId\":\"s1\"}");

        assertThat(reply).isEqualTo(new ServerEvent.SessionDeleted("s1", 5));
        assertThat(sessions.get(ALICE, "s1")).isEmpty();
        assertThat(messages.all()).allSatisfy(m -> assertThat(m.sessionId()).isEqualTo("s2")).hasSize(5);
        assertThat(ingress.handle(ALICE, history("s1", 10, null))).isInstanceOfSatisfying(ServerEvent.Error.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.SESSION_NOT_FOUND.name()));
        // deleting again: not found
        assertThat(ingress.handle(ALICE, "{\"action\":\"deleteSession\",\"sessionId\":\"s1\"}"))
                .isInstanceOfSatisfying(ServerEvent.Error.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.SESSION_NOT_FOUND.name()));
    }

    @Test
    void aMessageStoredWhileItsSessionIsDeletedIsTakenBackAndNothingOfItStays() {
        // the session is deleted after the ingress read it and before it marks the message accepted
        InMemorySessionStore racing = new InMemorySessionStore() {
            @Override
            public boolean markAccepted(String userId, String sessionId, String turnId, String clientMessageId) {
                delete(userId, sessionId);
                return super.markAccepted(userId, sessionId, turnId, clientMessageId);
            }
        };
        racing.createIfAbsent(new Session(ALICE, "s1", "t", NOW, NOW));
        ChatIngress raced = new ChatIngress(new ProtocolCodec(), racing, messages, queue, ids, clock);

        ServerEvent reply = raced.handle(ALICE, send("m-1", "s1", "hello"));

        assertThat(reply).isInstanceOfSatisfying(ServerEvent.Error.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.SESSION_NOT_FOUND.name()));
        assertThat(messages.all()).as("no message of the deleted session").isEmpty();
        assertThat(messages.claimTurn(ALICE, "s1", "m-1", "candidate", "f", NOW).fresh())
                .as("its claim is gone too").isTrue();
        assertThat(queue.enqueued).as("nothing queued").isEmpty();
    }

    @Test
    void aMessageWhoseSessionIsDeletedBeforeItsWriteStoresNothing() {
        // the session is deleted after the ingress read it and before the one write of the turn
        InMemorySessionStore racing = new InMemorySessionStore() {
            private boolean read;

            @Override
            public java.util.Optional<Session> get(String userId, String sessionId) {
                java.util.Optional<Session> found = super.get(userId, sessionId);
                if (!read) {
                    read = true;
                    delete(userId, sessionId);
                }
                return found;
            }
        };
        racing.createIfAbsent(new Session(ALICE, "s1", "t", NOW, NOW));
        ChatIngress raced = new ChatIngress(new ProtocolCodec(), racing, messages, queue, ids, clock,
                ModelListing.offline(), ChatIngress.defaultCommands(racing, messages, ModelListing.offline()),
                KnowledgeActions.NONE, TurnLimits.NONE, HoldingLimits.NONE, dev.switchboard.port.UsageCounters.NONE,
                new InMemoryTurnAdmissions(racing, messages, new dev.switchboard.testing.InMemoryUserQuotas()));

        ServerEvent reply = raced.handle(ALICE, send("m-1", "s1", "hello"));

        assertThat(reply).isInstanceOfSatisfying(ServerEvent.Error.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.SESSION_NOT_FOUND.name()));
        assertThat(messages.all()).as("no message of the deleted session").isEmpty();
        assertThat(messages.claimTurn(ALICE, "s1", "m-1", "candidate", "f", NOW).fresh())
                .as("no claim either").isTrue();
        assertThat(queue.enqueued).as("nothing queued").isEmpty();
    }

    @Test
    void aLaterTurnFollowsItsSessionsHoldMarkWithoutAskingTheHeldJobs() {
        int[] queries = {0};
        InMemoryPendingTurns pending = new InMemoryPendingTurns() {
            @Override
            public synchronized boolean holds(String userId, String groupId) {
                queries[0]++;
                return super.holds(userId, groupId);
            }
        };
        ChatIngress marked = new ChatIngress(new ProtocolCodec(), sessions, messages,
                new ReliableTurnQueue(queue, pending, sessions, 1, 0, pause -> { }), ids, clock);
        sessions.createIfAbsent(new Session(ALICE, "s1", "t", 1, 1));

        assertThat(marked.handle(ALICE, send("m-1", "s1", "one"))).isInstanceOf(ServerEvent.Accepted.class);
        assertThat(queue.enqueued).as("no mark: sent").hasSize(1);
        sessions.markHeld(ALICE, "s1", "t-earlier"); // a job of the session held since
        assertThat(marked.handle(ALICE, send("m-2", "s1", "two"))).isInstanceOf(ServerEvent.Accepted.class);

        assertThat(queue.enqueued).as("held behind the marked job").hasSize(1);
        assertThat(pending.size()).isEqualTo(1);
        assertThat(queries[0]).as("no Query of the held jobs").isZero();
    }

    @Test
    void aDeleteCutShortIsCompletedByItsRepeat() {
        seedFiveMessages("s1");
        sessions.delete(ALICE, "s1"); // the first delete removed the session, then failed before the messages

        ServerEvent reply = ingress.handle(ALICE, "{\"action\":\"deleteSession\",\"sessionId\":\"s1\"}");

        assertThat(reply).isEqualTo(new ServerEvent.SessionDeleted("s1", 5));
        assertThat(messages.all()).isEmpty();
    }

    @Test
    void deleteOfAnotherUsersSessionIsNotFoundAndDeletesNothing() {
        seedFiveMessages("s1");
        ServerEvent reply = ingress.handle(BOB, "{\"action\":\"deleteSession\",\"sessionId\":\"s1\"}");
        assertThat(reply).isEqualTo(new ServerEvent.Error(ErrorCode.SESSION_NOT_FOUND.name(), "No such session",
                "deleteSession", "s1", null, null));
        assertThat(sessions.get(ALICE, "s1")).isPresent();
        assertThat(messages.all()).hasSize(5);
    }

    @Test
    void listSessionsReturnsOnlyTheCallersSessions() {
        ServerEvent.Accepted a1 = (ServerEvent.Accepted) ingress.handle(ALICE, send("a-1", null, "first"));
        ServerEvent.Accepted a2 = (ServerEvent.Accepted) ingress.handle(ALICE, send("a-2", null, "second"));
        ServerEvent.Accepted b1 = (ServerEvent.Accepted) ingress.handle(BOB, send("b-1", null, "bob"));

        ServerEvent.Sessions alices = (ServerEvent.Sessions) ingress.handle(ALICE, "{\"action\":\"listSessions\"}");
        assertThat(alices.sessions()).extracting(ServerEvent.SessionSummary::sessionId)
                .containsExactlyInAnyOrder(a1.sessionId(), a2.sessionId())
                .doesNotContain(b1.sessionId());
        assertThat(alices.sessions()).extracting(ServerEvent.SessionSummary::title)
                .containsExactlyInAnyOrder("first", "second");
        assertThat(alices.sessions()).allSatisfy(s -> {
            assertThat(s.createdAt()).isEqualTo(Instant.ofEpochMilli(NOW).toString());
            assertThat(s.updatedAt()).isEqualTo(Instant.ofEpochMilli(NOW).toString());
        });
        assertThat(alices.nextCursor()).isNull();

        ServerEvent.Sessions bobs = (ServerEvent.Sessions) ingress.handle(BOB, "{\"action\":\"listSessions\"}");
        assertThat(bobs.sessions()).extracting(ServerEvent.SessionSummary::sessionId).containsExactly(b1.sessionId());

        ServerEvent.Sessions nobody = (ServerEvent.Sessions) ingress.handle("carol", "{\"action\":\"listSessions\"}");
        assertThat(nobody.sessions()).isEmpty();
    }

    @Test
    void listSessionsPages() {
        for (int i = 0; i < 3; i++) {
            ingress.handle(ALICE, send("a-" + i, null, "s" + i));
        }
        ServerEvent.Sessions p1 = (ServerEvent.Sessions) ingress.handle(ALICE,
                "{\"action\":\"listSessions\",\"limit\":2}");
        assertThat(p1.sessions()).hasSize(2);
        assertThat(p1.nextCursor()).isNotNull();
        ServerEvent.Sessions p2 = (ServerEvent.Sessions) ingress.handle(ALICE,
                "{\"action\":\"listSessions\",\"limit\":2,\"cursor\":\"" + p1.nextCursor() + "\"}");
        assertThat(p2.sessions()).hasSize(1);
        assertThat(p2.nextCursor()).isNull();
        List<String> all = new ArrayList<>();
        p1.sessions().forEach(s -> all.add(s.sessionId()));
        p2.sessions().forEach(s -> all.add(s.sessionId()));
        assertThat(all).doesNotHaveDuplicates().hasSize(3);
    }

    @Test
    void pingAnswersPongWithTheClocksTime() {
        assertThat(ingress.handle(ALICE, "{\"action\":\"ping\"}")).isEqualTo(new ServerEvent.Pong(NOW));
        assertThat(totalWrites()).isZero();
    }

    @Test
    void aClientMessageIdReusedForAnotherMessageIsRefusedNotSilentlyDropped() {
        ServerEvent.Accepted first = (ServerEvent.Accepted) ingress.handle(ALICE, send("m1", null, "first chat"));
        int writes = totalWrites();

        // a second new chat that starts with the same id lands on the same derived session and claim
        ServerEvent reply = ingress.handle(ALICE, send("m1", null, "second chat"));

        assertThat(reply).isInstanceOfSatisfying(ServerEvent.Error.class, e -> {
            assertThat(e.code()).isEqualTo("ID_REUSED");
            assertThat(e.clientMessageId()).isEqualTo("m1");
        });
        assertThat(queue.enqueued).hasSize(1);
        assertThat(messages.all()).extracting(StoredMessage::text).containsExactly("first chat");
        assertThat(totalWrites() - writes).as("only the session's createIfAbsent was attempted").isLessThanOrEqualTo(1);
        // the same message again is still a harmless duplicate
        assertThat(ingress.handle(ALICE, send("m1", null, "first chat"))).isInstanceOfSatisfying(
                ServerEvent.Accepted.class, a -> assertThat(a.turnId()).isEqualTo(first.turnId()));
    }

    @Test
    void aHistoryPageNeverExceedsTheReplyLimitAndItsCursorContinuesWithTheRest() {
        ServerEvent.Accepted first = (ServerEvent.Accepted) ingress.handle(ALICE, send("c-0", null, "x".repeat(16_000)));
        String session = first.sessionId();
        for (int i = 1; i < 12; i++) {
            assertThat(ingress.handle(ALICE, send("c-" + i, session, (char) ('a' + i) + "y".repeat(15_999))))
                    .isInstanceOf(ServerEvent.Accepted.class);
        }
        ProtocolCodec codec = new ProtocolCodec();
        java.util.List<String> seen = new java.util.ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            ServerEvent.History page = (ServerEvent.History) ingress.handle(ALICE, history(session, 100, cursor));
            assertThat(codec.size(page)).isLessThanOrEqualTo(dev.switchboard.protocol.Limits.MAX_REPLY_BYTES);
            assertThat(page.messages()).isNotEmpty().allMatch(m -> m.truncated() == null);
            java.util.List<String> texts = page.messages().stream().map(ServerEvent.HistoryMessage::text).toList();
            seen.addAll(0, texts);
            cursor = page.nextCursor();
            pages++;
        } while (cursor != null);
        assertThat(pages).isGreaterThan(1);
        // this test's clock stands still, so turn order among the twelve is by their random id suffix: compare as sets
        java.util.List<String> sent = new java.util.ArrayList<>(java.util.List.of("x".repeat(16_000)));
        for (int i = 1; i < 12; i++) {
            sent.add((char) ('a' + i) + "y".repeat(15_999));
        }
        assertThat(seen).hasSize(12).containsExactlyInAnyOrderElementsOf(sent);
    }

    @Test
    void aSingleMessageLargerThanAReplyIsCutAndMarkedTruncated() {
        ServerEvent.Accepted a = (ServerEvent.Accepted) ingress.handle(ALICE, send("c-1", null, "hi"));
        String huge = "\u0001".repeat(30_000); // escapes to six bytes each in JSON
        messages.putIfAbsent(new StoredMessage(ALICE, a.sessionId(), a.turnId(), Role.ASSISTANT, huge.translateEscapes(),
                NOW + 1, "m"));
        ServerEvent.History page = (ServerEvent.History) ingress.handle(ALICE, history(a.sessionId(), 10, null));
        assertThat(new ProtocolCodec().size(page)).isLessThanOrEqualTo(dev.switchboard.protocol.Limits.MAX_REPLY_BYTES);
        ServerEvent.HistoryMessage answer = page.messages().get(page.messages().size() - 1);
        assertThat(answer.truncated()).isTrue();
        assertThat(answer.text()).isNotEmpty().hasSizeLessThan(30_000);
    }

    @Test
    void messagesOfOneSessionInTheSameMillisecondGetIncreasingTurnIds() {
        ServerEvent.Accepted first = (ServerEvent.Accepted) ingress.handle(ALICE, send("o-1", null, "one"));
        String previous = first.turnId();
        for (int i = 2; i <= 20; i++) {
            ServerEvent.Accepted next = (ServerEvent.Accepted) ingress.handle(ALICE,
                    send("o-" + i, first.sessionId(), "message " + i));
            assertThat(next.turnId()).isGreaterThan(previous);
            previous = next.turnId();
        }
        assertThat(queue.enqueued).extracting(t -> t.turnId()).isSorted();
    }

    @Test
    void afterTheConnectionsTokenExpiresOnlyPingIsAnswered() {
        long expiresAt = NOW / 1000; // expired this very second
        ServerEvent refused = ingress.handle(ALICE, expiresAt, send("x-1", null, "hello"));
        assertThat(refused).isInstanceOf(ServerEvent.Error.class);
        assertThat(((ServerEvent.Error) refused).code()).isEqualTo("TOKEN_EXPIRED");
        assertThat(((ServerEvent.Error) refused).action()).isEqualTo("sendMessage");
        assertThat(ingress.handle(ALICE, expiresAt, "{\"action\":\"listSessions\"}"))
                .isInstanceOf(ServerEvent.Error.class);
        assertThat(ingress.handle(ALICE, expiresAt, "{\"action\":\"ping\"}")).isInstanceOf(ServerEvent.Pong.class);
        assertThat(queue.enqueued).isEmpty();
        assertThat(messages.all()).isEmpty();
        assertThat(ingress.handle(ALICE, expiresAt + 1, send("x-2", null, "hello")))
                .isInstanceOf(ServerEvent.Accepted.class);
    }
}
