package dev.switchboard.turn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.agent.ModelCatalog;
import dev.switchboard.agent.ModelChoice;
import dev.switchboard.domain.Branch;
import dev.switchboard.domain.Role;
import dev.switchboard.domain.Session;
import dev.switchboard.domain.StoredMessage;
import dev.switchboard.domain.TurnRequest;
import dev.switchboard.protocol.ServerEvent;
import dev.switchboard.testing.InMemoryUserQuotas;
import dev.switchboard.usecase.TurnLimits;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SessionTitlesTest extends TurnFixture {
    private static final String SESSION = "s-titles";
    private static final String FIRST = "How do I bake sourdough bread at home without a proofing basket?";

    SessionTitlesTest() {
        super(SESSION, 9_000_000);
    }

    private TurnLimits limits = new TurnLimits(new InMemoryUserQuotas(), 0, 0, 0);

    @BeforeEach
    void firstTitle() {
        connect(ALICE, "a1");
        connect(BOB, "b1");
        sessions.retitle(ALICE, SESSION, "title", Session.titleFrom(FIRST));
    }

    private SessionTitles titles(ModelChoice model) {
        return new SessionTitles(messages, sessions, ModelCatalog.of(model), connections, gateway, codec,
                new TokenBudget(limits, now::get));
    }

    private TurnRequest answered(String question, String answer) {
        TurnRequest t = accepted(question);
        messages.putIfAbsent(new StoredMessage(ALICE, SESSION, t.turnId(), Role.ASSISTANT, answer, now.get(), "m"));
        return t;
    }

    private String title() {
        return sessions.get(ALICE, SESSION).orElseThrow().title();
    }

    @Test
    void theFirstAnswerGetsTheModelsTitlePushedToTheOwnerOnly() {
        ScriptedChatModel model = ScriptedChatModel.answering("\"Sourdough ", "without a basket.\"");
        TurnRequest t = answered(FIRST, "Use a bowl lined with a floured towel.");

        titles(new ModelChoice(model, "m", false)).afterAnswer(t, 1);

        assertThat(title()).isEqualTo("Sourdough without a basket");
        assertThat(ScriptedChatModel.lastUserText(model.requests.get(0))).contains(FIRST)
                .contains("floured towel");
        assertThat(eventsTo("a1")).singleElement().isInstanceOfSatisfying(ServerEvent.SessionInfo.class,
                s -> assertThat(s.session().title()).isEqualTo("Sourdough without a basket"));
        assertThat(gateway.framesTo("b1")).isEmpty();
    }

    @Test
    void laterAnswersARenameAReplacedTurnAndTheOfflineModelKeepTheTitleWithoutACall() {
        TurnRequest first = answered(FIRST, "a1");
        TurnRequest second = answered("and rye?", "a2");
        ScriptedChatModel model = ScriptedChatModel.answering("Other");
        titles(new ModelChoice(model, "m", false)).afterAnswer(second, 1);

        titles(new ModelChoice(model, "offline", true)).afterAnswer(first, 1);

        sessions.update(ALICE, SESSION, "My bread", null, null, null);
        titles(new ModelChoice(model, "m", false)).afterAnswer(first, 1);
        assertThat(model.requests).isEmpty();
        assertThat(title()).isEqualTo("My bread");

        // a first turn replaced by an edit: the edit's turn is no first answer either
        sessions.retitle(ALICE, SESSION, "My bread", Session.titleFrom("edited"));
        messages.deleteSession(ALICE, SESSION);
        String editTurn = ids.newTurnId(now.addAndGet(1_000));
        messages.putIfAbsent(new StoredMessage(ALICE, SESSION, editTurn, Role.USER, "edited", now.get(), null)
                .withBranch(Branch.edits(first.turnId())));
        messages.putIfAbsent(new StoredMessage(ALICE, SESSION, editTurn, Role.ASSISTANT, "a", now.get(), "m"));
        titles(new ModelChoice(model, "m", false)).afterAnswer(new TurnRequest(ALICE, SESSION, editTurn, "e",
                now.get()), 1);
        assertThat(model.requests).isEmpty();
        assertThat(gateway.frames).isEmpty();
    }

    @Test
    void aFailedCallOrASpentBudgetKeepsTheFirstTitleAndTheCallIsCharged() {
        TurnRequest t = answered(FIRST, "answer");
        titles(new ModelChoice(ScriptedChatModel.failing(), "m", false)).afterAnswer(t, 1);
        assertThat(title()).isEqualTo(Session.titleFrom(FIRST));

        limits = new TurnLimits(new InMemoryUserQuotas(), 0, 0, 5);
        ScriptedChatModel model = ScriptedChatModel.answering("Bread");
        titles(new ModelChoice(model, "m", false)).afterAnswer(t, 1);
        assertThat(title()).isEqualTo("Bread"); // the budget was left before the call, and the call spent it
        assertThat(limits.budgetLeft(ALICE, now.get())).isFalse();

        sessions.retitle(ALICE, SESSION, "Bread", Session.titleFrom(FIRST));
        titles(new ModelChoice(model, "m", false)).afterAnswer(t, 2);
        assertThat(model.requests).hasSize(1);
        assertThat(title()).isEqualTo(Session.titleFrom(FIRST));
    }

    @Test
    void cleaningKeepsOneShortLine() {
        assertThat(SessionTitles.clean("Title: **Bread basics**.\n")).isEqualTo("Bread basics");
        assertThat(SessionTitles.clean("  ")).isEmpty();
        assertThat(SessionTitles.clean("w".repeat(200))).hasSize(81).endsWith("…");
        assertThat(List.of(SessionTitles.clean("«Pain»"))).containsExactly("Pain");
    }
}
