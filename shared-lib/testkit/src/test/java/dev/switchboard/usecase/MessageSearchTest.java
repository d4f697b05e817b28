package dev.switchboard.usecase;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.domain.Branch;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.Session;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.ToolCall;
import dev.switchboard.domain.ToolStatus;
import dev.switchboard.protocol.ClientAction;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.ServerEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** searchMessages against the in-memory stores: ranking, CJK, excerpts, the window, cursors, other users. */
class MessageSearchTest extends IngressTestBed {
    private MessageSearch search;
    private ChatIngress ingress;
    private long clock = 1_800_000_000_000L;

    @BeforeEach
    void setUp() {
        search = new MessageSearch(sessions, messages);
        ingress = new ChatIngress(codec, sessions, messages, queue, ids, now::get);
    }

    private void session(String user, String id, String title) {
        clock += 1_000;
        sessions.createIfAbsent(new Session(user, id, title, clock, clock));
    }

    /** Stores a message of a new turn; returns the turn id. */
    private String say(String user, String session, Role role, String text) {
        return say(user, session, role, text, Branch.NONE);
    }

    private String say(String user, String session, Role role, String text, Branch branch) {
        clock += 1_000;
        String turnId = ids.newTurnId(clock);
        messages.putIfAbsent(new StoredMessage(user, session, turnId, role, text, clock,
                role == Role.ASSISTANT ? GPT : null, null, null, null, branch, null));
        sessions.touch(user, session, clock);
        return turnId;
    }

    private ServerEvent.SearchResults find(String user, String query, int limit, String cursor) {
        return (ServerEvent.SearchResults) search.search(user, new ClientAction.SearchMessages(query, limit, cursor));
    }

    private static List<String> excerpts(ServerEvent.SearchResults r) {
        return r.results().stream().map(ServerEvent.SearchHit::excerpt).toList();
    }

    @Test
    void findsTheCallersMessagesAcrossSessionsBestMatchFirst() {
        session(ALICE, "s-a", "Travel");
        session(ALICE, "s-b", "Cooking");
        say(ALICE, "s-a", Role.USER, "Plan a trip to Kyoto in spring, with temples and gardens and a tea ceremony");
        say(ALICE, "s-a", Role.ASSISTANT, "Kyoto! Kyoto in spring is lovely.");
        say(ALICE, "s-b", Role.USER, "How do I make ramen broth?");
        say(ALICE, "s-b", Role.ASSISTANT, "Simmer pork bones. Kyoto-style ramen uses a lighter broth.");

        ServerEvent.SearchResults r = find(ALICE, "kyoto", 10, null);

        assertThat(r.query()).isEqualTo("kyoto");
        assertThat(r.results()).hasSize(3);
        assertThat(r.results().get(0).excerpt()).isEqualTo("Kyoto! Kyoto in spring is lovely.");
        assertThat(r.results().get(0).role()).isEqualTo("assistant");
        assertThat(r.results().get(0).sessionTitle()).isEqualTo("Travel");
        assertThat(r.results()).extracting(ServerEvent.SearchHit::sessionId).contains("s-a", "s-b");
        assertThat(r.results()).extracting(ServerEvent.SearchHit::score).isSortedAccordingTo(
                java.util.Comparator.reverseOrder());
        assertThat(r.results().get(2).score()).isPositive();
        assertThat(r.nextCursor()).isNull();
        assertThat(find(ALICE, "KYOTO spring", 10, null).results().get(0).excerpt()).contains("Kyoto in spring");
        assertThat(find(ALICE, "sushi", 10, null).results()).isEmpty();
        assertThat(find(ALICE, "?!", 10, null).results()).as("a query with no word").isEmpty();
    }

    @Test
    void cjkTextIsFoundByItsBigramsAndSingleCharacters() {
        session(ALICE, "s-jp", "日本");
        say(ALICE, "s-jp", Role.USER, "東京タワーに行きたいです");
        say(ALICE, "s-jp", Role.ASSISTANT, "大阪城もおすすめです");
        say(ALICE, "s-jp", Role.USER, "北京烤鸭很好吃");

        assertThat(excerpts(find(ALICE, "東京", 10, null))).containsExactly("東京タワーに行きたいです");
        assertThat(excerpts(find(ALICE, "タワー", 10, null))).containsExactly("東京タワーに行きたいです");
        assertThat(excerpts(find(ALICE, "烤鸭", 10, null))).containsExactly("北京烤鸭很好吃");
        assertThat(excerpts(find(ALICE, "城", 10, null))).containsExactly("大阪城もおすすめです");
        assertThat(find(ALICE, "京都", 10, null).results()).as("no bigram 京都 anywhere").isEmpty();
    }

    @Test
    void theExcerptIsAbout160CharactersAroundTheFirstHit() {
        session(ALICE, "s-long", "Long");
        String before = "filler words here ".repeat(40);
        String after = " and then more filler text".repeat(40);
        say(ALICE, "s-long", Role.USER, before + "the zeppelin\n\nlanded" + after);

        String excerpt = find(ALICE, "zeppelin", 10, null).results().get(0).excerpt();

        assertThat(excerpt).startsWith("…").endsWith("…").contains("the zeppelin landed");
        assertThat(excerpt.indexOf("zeppelin")).isBetween(40, 70);
        assertThat(excerpt.codePointCount(0, excerpt.length())).isBetween(150, 162);
    }

    @Test
    void supersededMessagesAreMarkedAndHiddenCopiesAndToolResultsAreNotSearched() {
        session(ALICE, "s-x", "Alternatives");
        String t1 = say(ALICE, "s-x", Role.USER, "Tell me about volcanoes");
        messages.putIfAbsent(new StoredMessage(ALICE, "s-x", t1, Role.ASSISTANT, "Volcanoes erupt (old answer).",
                clock, GPT, null, null, null, new Branch(null, null, true), null));
        say(ALICE, "s-x", Role.USER, "Tell me about volcanoes", Branch.answerOf(t1));
        messages.putIfAbsent(StoredMessage.toolCall(ALICE, "s-x", t1, "volcanoes database result", clock,
                ToolStatus.DONE, new ToolCall(ToolCall.step(0, 0), "call-1", "lookup", "{}", null, 0)));

        ServerEvent.SearchResults r = find(ALICE, "volcanoes", 10, null);

        assertThat(r.results()).extracting(ServerEvent.SearchHit::excerpt)
                .containsExactlyInAnyOrder("Tell me about volcanoes", "Volcanoes erupt (old answer).");
        assertThat(r.results()).filteredOn(h -> h.role().equals("assistant"))
                .extracting(ServerEvent.SearchHit::superseded).containsExactly(true);
        assertThat(r.results()).filteredOn(h -> h.role().equals("user"))
                .extracting(ServerEvent.SearchHit::superseded).containsOnlyNulls();
    }

    @Test
    void onlyTheNewestMessagesOfTheMostRecentlyUpdatedSessionsAreSearched() {
        session(ALICE, "s-old", "Old");
        say(ALICE, "s-old", Role.USER, "penguin in the oldest session");
        for (int i = 0; i < MessageSearch.SESSIONS; i++) {
            session(ALICE, "s-" + i, "Session " + i);
            say(ALICE, "s-" + i, Role.USER, "penguin number " + i);
        }
        session(ALICE, "s-many", "Many");
        say(ALICE, "s-many", Role.USER, "walrus in the oldest message");
        for (int i = 0; i < MessageSearch.MESSAGES_PER_SESSION; i++) {
            say(ALICE, "s-many", Role.USER, "message " + i + " walrus".repeat(i == MessageSearch.MESSAGES_PER_SESSION - 1 ? 1 : 0));
        }

        List<String> penguins = new ArrayList<>();
        String cursor = null;
        do {
            ServerEvent.SearchResults r = find(ALICE, "penguin", 20, cursor);
            r.results().forEach(h -> penguins.add(h.sessionId()));
            cursor = r.nextCursor();
        } while (cursor != null);
        assertThat(penguins).as("s-many and 19 of the 20 penguin sessions are the 20 most recently updated")
                .hasSize(MessageSearch.SESSIONS - 1).doesNotContain("s-old", "s-0");
        assertThat(excerpts(find(ALICE, "walrus", 10, null))).as("the oldest message is the 201st newest")
                .containsExactly("message 199 walrus");
    }

    @Test
    void theCursorContinuesTheSameRankingAndIsBoundToUserAndQuery() {
        session(ALICE, "s-a", "A");
        for (int i = 0; i < 7; i++) {
            say(ALICE, "s-a", Role.USER, "otter " + "otter ".repeat(i) + "x".repeat(10 * (7 - i)));
        }
        List<String> all = excerpts(find(ALICE, "otter", 20, null));
        List<String> paged = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            ServerEvent.SearchResults r = find(ALICE, "otter", 3, cursor);
            paged.addAll(excerpts(r));
            cursor = r.nextCursor();
            pages++;
        } while (cursor != null);
        assertThat(pages).isEqualTo(3);
        assertThat(paged).containsExactlyElementsOf(all).hasSize(7);

        String first = find(ALICE, "otter", 3, null).nextCursor();
        for (String[] userAndFrame : new String[][]{
                {ALICE, "{\"action\":\"searchMessages\",\"query\":\"beaver\",\"cursor\":\"" + first + "\"}"},
                {BOB, "{\"action\":\"searchMessages\",\"query\":\"otter\",\"cursor\":\"" + first + "\"}"},
                {ALICE, "{\"action\":\"searchMessages\",\"query\":\"otter\",\"cursor\":\"bm90LWEtY3Vyc29y\"}"},
                {ALICE, "{\"action\":\"searchMessages\",\"query\":\"otter\",\"cursor\":\"!!\"}"}}) {
            assertThat(ingress.handle(userAndFrame[0], userAndFrame[1])).as(userAndFrame[1])
                    .isInstanceOfSatisfying(ServerEvent.Error.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_FIELD.name());
                        assertThat(e.action()).isEqualTo("searchMessages");
                    });
        }
        assertThat(ingress.handle(ALICE, "{\"action\":\"searchMessages\",\"query\":\"otter\",\"limit\":3,"
                + "\"cursor\":\"" + first + "\"}")).isInstanceOfSatisfying(ServerEvent.SearchResults.class,
                r -> assertThat(excerpts(r)).containsExactlyElementsOf(all.subList(3, 6)));
    }

    @Test
    void anotherUsersMessagesAreNeverFound() {
        session(ALICE, "s-shared-id", "Alice's");
        session(BOB, "s-shared-id", "Bob's");
        say(ALICE, "s-shared-id", Role.USER, "alice talks about narwhals");
        say(BOB, "s-shared-id", Role.USER, "bob talks about narwhals");

        assertThat(excerpts(find(ALICE, "narwhals", 10, null))).containsExactly("alice talks about narwhals");
        assertThat(excerpts(find(BOB, "narwhals", 10, null))).containsExactly("bob talks about narwhals");
        assertThat(find("carol", "narwhals", 10, null).results()).isEmpty();
    }
}
