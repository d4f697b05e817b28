package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The chat page's answer and account features in a real browser ({@link HeadlessChromium}) on the local stack:
 * Markdown answers, regenerate, edit, ratings, export, search, the memories and documents panel, and that a message's
 * HTML never runs. Screenshots of each state go to infra/target/browser (NAME-failure.png when a test fails).
 */
class BrowserFeaturesIT {
    private static final Duration TURN = Duration.ofSeconds(30);
    private static final By STATUS = By.id("status");
    /** The open session's current answers (superseded ones sit inside a collapsed li.alternatives). */
    private static final By ANSWER = By.cssSelector("#transcript > li.assistant");
    private static final By QUESTION = By.cssSelector("#transcript > li.user");
    private static final By ALTERNATIVES = By.cssSelector("#transcript > li.alternatives");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static LocalStack stack;
    private static ChromeDriver browser;
    private WebDriverWait wait;

    @RegisterExtension
    static final TestWatcher SCREENSHOT_ON_FAILURE = HeadlessChromium.screenshotOnFailure(() -> browser);

    @BeforeAll
    static void start() {
        stack = StackFixture.stack();
        browser = HeadlessChromium.start();
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
    }

    @BeforeEach
    void waitForTurns() {
        wait = new WebDriverWait(browser, TURN, Duration.ofMillis(50));
    }

    @Test
    void rendersAMarkdownAnswerAndRegeneratesIt() {
        signIn(newUser());
        chooseScriptedModel();
        String question = "Show me the plan " + StackFixture.MARKDOWN;
        send(question);
        waitForAnswers(1);
        WebElement answer = browser.findElement(ANSWER);
        WebElement code = answer.findElement(By.cssSelector(".text pre > code"));
        assertThat(code.getText()).isEqualTo("System.out.println(\"a < b && c\");");
        assertThat(code.getDomAttribute("class")).isEqualTo("language-java");
        assertThat(answer.findElements(By.cssSelector(".text table tbody tr"))).hasSize(2);
        assertThat(answer.findElement(By.cssSelector(".text table thead")).getText()).contains("name").contains("value");
        assertThat(answer.findElements(By.cssSelector(".text ul > li"))).hasSize(2);
        assertThat(answer.findElement(By.cssSelector(".text em")).getText()).isEqualTo("plan");
        WebElement link = answer.findElement(By.cssSelector(".text a"));
        assertThat(link.getDomAttribute("href")).isEqualTo("https://example.com/docs");
        assertThat(link.getDomAttribute("target")).isEqualTo("_blank");
        assertThat(link.getDomAttribute("rel")).isEqualTo("noopener noreferrer");
        assertThat(answer.getText()).doesNotContain("```").doesNotContain("|------|");
        String firstTurn = answer.getDomAttribute("data-turn-id");
        String session = openSessionId();
        screenshot("markdown.png");

        answer.findElement(By.cssSelector("button.regenerate")).click();
        // the first answer folds away as replaced; the second streams in as the current one
        wait.until(ExpectedConditions.numberOfElementsToBe(ALTERNATIVES, 1));
        waitForAnswers(1);
        WebElement second = browser.findElement(ANSWER);
        assertThat(second.getDomAttribute("data-turn-id")).isNotEqualTo(firstTurn);
        assertThat(second.findElements(By.cssSelector(".text pre > code"))).hasSize(1);
        WebElement replaced = browser.findElement(By.cssSelector("#transcript > li.alternatives li.assistant"));
        assertThat(replaced.getDomAttribute("data-turn-id")).isEqualTo(firstTurn);
        assertThat(replaced.getDomAttribute("data-superseded")).isEqualTo("true");
        assertThat(replaced.isDisplayed()).as("collapsed").isFalse();
        assertThat(second.findElements(By.cssSelector("button.regenerate"))).hasSize(1);
        screenshot("regenerated.png");

        // what is stored: the replaced answer is a superseded alternative, the new one answers the first question
        reopen(session);
        wait.until(ExpectedConditions.numberOfElementsToBe(ANSWER, 1));
        assertThat(browser.findElement(ANSWER).getDomAttribute("data-answer-of")).isEqualTo(firstTurn);
        assertThat(browser.findElement(ANSWER).findElement(By.className("meta")).getText())
                .contains("a regenerated answer");
        WebElement group = browser.findElement(ALTERNATIVES);
        group.findElement(By.tagName("summary")).click();
        WebElement stored = group.findElement(By.cssSelector("li.assistant"));
        assertThat(stored.isDisplayed()).as("shown once opened").isTrue();
        assertThat(stored.getDomAttribute("data-turn-id")).isEqualTo(firstTurn);
        assertThat(stored.findElements(By.cssSelector(".text table"))).hasSize(1);
        assertThat(stored.findElements(By.cssSelector("button"))).as("no controls on a replaced answer").isEmpty();
        screenshot("regenerated-history.png");
    }

    @Test
    void aStreamingAnswerIsParsedAtMostOncePerRenderNotOncePerDelta() {
        HeadlessChromium.withSocketHandles(browser, () -> {
            signIn(newUser());
            send("Warm up " + UUID.randomUUID());
            waitForAnswers(1);
            String session = openSessionId();
            // 100 deltas of a turn, 5 ms apart, then its done, delivered on the page's own socket as the server would;
            // every render of an answer replaces the children of its .text once
            browser.executeScript("""
                    const [sessionId] = arguments;
                    const socket = window.pageSockets.at(-1);
                    const deliver = (ev) => socket.dispatchEvent(new MessageEvent('message', {data: JSON.stringify(ev)}));
                    const turnId = '1790000000000-0000beef';
                    window.renders = 0;
                    new MutationObserver((records) => {
                      for (const r of records) {
                        if (r.target.matches?.('li[data-turn-id="' + turnId + '"] > .text')) window.renders++;
                      }
                    }).observe(document.getElementById('transcript'), {childList: true, subtree: true});
                    let seq = 0;
                    const timer = setInterval(() => {
                      deliver({type: 'delta', sessionId, turnId, seq, text: '*w' + seq + '* '});
                      if (++seq === 100) {
                        clearInterval(timer);
                        deliver({type: 'done', sessionId, turnId, deltas: 100, model: 'fake', finishReason: 'STOP'});
                      }
                    }, 5);
                    """, session);
            By fake = By.cssSelector("#transcript > li.assistant[data-turn-id='1790000000000-0000beef']");
            wait.until(ExpectedConditions.attributeToBe(fake, "data-state", "done"));
            WebElement answer = browser.findElement(fake);
            assertThat(answer.getDomAttribute("data-deltas")).isEqualTo("100");
            assertThat(answer.findElements(By.cssSelector(".text em"))).as("the final render holds every delta")
                    .hasSize(100);
            long renders = (Long) browser.executeScript("return window.renders;");
            // 100 deltas over at least 500 ms, a render at most every 50 ms, plus the final one at done
            assertThat(renders).as("renders of 100 deltas").isBetween(2L, 15L);
        });
    }

    @Test
    void editsAMessageAndKeepsTheReplacedBranch() {
        signIn(newUser());
        String first = "First version " + UUID.randomUUID();
        send(first);
        waitForAnswers(1);
        String session = openSessionId();
        // regenerated first: the edit then replaces the question and both its answers, as one group
        browser.findElement(ANSWER).findElement(By.cssSelector("button.regenerate")).click();
        wait.until(ExpectedConditions.numberOfElementsToBe(ALTERNATIVES, 1));
        waitForAnswers(1);
        WebElement question = browser.findElement(QUESTION);
        question.findElement(By.cssSelector("button.edit")).click();
        WebElement box = question.findElement(By.cssSelector("textarea.edit-text"));
        assertThat(box.getDomProperty("value")).isEqualTo(first);
        String second = "Second version " + UUID.randomUUID();
        box.sendKeys(Keys.chord(Keys.CONTROL, "a"), second);
        screenshot("editing.png");
        question.findElement(By.cssSelector("button.save-edit")).click();

        wait.until(ExpectedConditions.numberOfElementsToBe(ALTERNATIVES, 1));
        waitForAnswers(1);
        assertThat(browser.findElement(QUESTION).findElement(By.className("text")).getText()).isEqualTo(second);
        assertThat(answerText()).contains("You said: \"" + second + "\"");
        List<WebElement> replaced = browser.findElements(By.cssSelector("#transcript > li.alternatives li.msg"));
        assertThat(replaced).hasSize(3);
        assertThat(browser.findElement(By.cssSelector("#transcript > li.alternatives summary")).getText())
                .isEqualTo("Replaced by an edit (3 messages)");
        assertThat(replaced.get(0).getDomAttribute("class")).contains("user");
        assertThat(replaced.get(0).getDomProperty("textContent")).contains(first);
        screenshot("edited.png");

        reopen(session);
        wait.until(ExpectedConditions.numberOfElementsToBe(ANSWER, 1));
        assertThat(browser.findElement(QUESTION).findElement(By.className("text")).getText()).isEqualTo(second);
        assertThat(answerText()).contains("You said: \"" + second + "\"");
        wait.until(ExpectedConditions.numberOfElementsToBe(ALTERNATIVES, 1));
        List<WebElement> stored = browser.findElements(By.cssSelector("#transcript > li.alternatives li.msg"));
        assertThat(stored).hasSize(3);
        assertThat(stored).allSatisfy(m -> assertThat(m.getDomAttribute("data-superseded")).isEqualTo("true"));
        assertThat(stored.get(0).getDomProperty("textContent")).contains(first);
        assertThat(browser.findElement(QUESTION).findElements(By.cssSelector("button.edit"))).hasSize(1);
    }

    @Test
    void ratesAnAnswerAndShowsTheRatingAfterAReload() {
        signIn(newUser());
        String text = "Rate me " + UUID.randomUUID();
        send(text);
        waitForAnswers(1);
        String session = openSessionId();
        browser.findElement(ANSWER).findElement(By.cssSelector("button.rate-up")).click();
        wait.until(ExpectedConditions.attributeToBe(By.cssSelector("#transcript > li.assistant button.rate-up"),
                "aria-pressed", "true"));
        assertThat(browser.findElement(ANSWER).getDomAttribute("data-rating")).isEqualTo("up");
        browser.findElement(ANSWER).findElement(By.cssSelector("button.rate-down")).click();
        wait.until(ExpectedConditions.attributeToBe(ANSWER, "data-rating", "down"));
        assertThat(browser.findElement(ANSWER).findElement(By.cssSelector("button.rate-up")).getDomAttribute("aria-pressed"))
                .isEqualTo("false");
        screenshot("rated.png");

        reopen(session);
        wait.until(ExpectedConditions.attributeToBe(ANSWER, "data-rating", "down"));
        WebElement down = browser.findElement(ANSWER).findElement(By.cssSelector("button.rate-down"));
        assertThat(down.getDomAttribute("aria-pressed")).isEqualTo("true");
        down.click(); // pressed again: the rating is cleared
        wait.until(ExpectedConditions.attributeToBe(By.cssSelector("#transcript > li.assistant button.rate-down"),
                "aria-pressed", "false"));
        assertThat(browser.findElement(ANSWER).getDomAttribute("data-rating")).isNull();

        reopen(session);
        wait.until(ExpectedConditions.numberOfElementsToBe(ANSWER, 1));
        assertThat(browser.findElement(ANSWER).getDomAttribute("data-rating")).isNull();
        assertThat(browser.findElement(ANSWER).findElement(By.cssSelector("button.rate-down")).getDomAttribute("aria-pressed"))
                .isEqualTo("false");
    }

    @Test
    void aMessageWithHtmlIsShownAsTextAndNeverRuns() {
        signIn(newUser());
        browser.executeScript("window.pwned = undefined;");
        String text = "<img src=x onerror=\"window.pwned='img'\"><script>window.pwned='script'</script>"
                + " [x](javascript:window.pwned='link') **bold**";
        send(text);
        waitForAnswers(1);
        String session = openSessionId();
        WebElement question = browser.findElement(QUESTION);
        assertThat(question.findElement(By.className("text")).getText()).isEqualTo(text);
        WebElement answer = browser.findElement(ANSWER);
        assertThat(answer.findElement(By.className("text")).getText())
                .contains("<img src=x onerror=\"window.pwned='img'\"><script>window.pwned='script'</script>");
        assertThat(answer.findElement(By.cssSelector(".text strong")).getText()).as("Markdown still renders")
                .isEqualTo("bold");
        assertNothingRan();
        // a javascript: link is not made a link (markdown-it's validateLink, then DOMPurify)
        assertThat(answer.findElements(By.cssSelector("a[href^='javascript']"))).isEmpty();
        screenshot("html-as-text.png");

        reopen(session);
        waitForAnswers(1);
        assertThat(browser.findElement(QUESTION).findElement(By.className("text")).getText()).isEqualTo(text);
        assertNothingRan();
    }

    @Test
    void deletesAMemoryAndADocumentFromThePanel(@TempDir Path tmp) throws Exception {
        signIn(newUser());
        String colour = "teal" + UUID.randomUUID().toString().substring(0, 6);
        send("Please remember that my favourite colour is " + colour + ".");
        waitForAnswers(1);
        browser.findElement(By.id("knowledge-toggle")).click();
        By memory = By.xpath("//ul[@id='memories']/li[contains(., '" + colour + "')]");
        new WebDriverWait(browser, TURN, Duration.ofMillis(500)).until(d -> {
            if (!d.findElements(memory).isEmpty()) {
                return true;
            }
            d.findElement(By.id("knowledge-refresh")).click(); // the memory job runs after the answer
            return false;
        });

        Path file = tmp.resolve("zebra-notes.txt");
        String marker = "okapi" + UUID.randomUUID().toString().substring(0, 6);
        Files.writeString(file, "Zebras eat grass. The watchword is " + marker + ".");
        browser.findElement(By.id("document-file")).sendKeys(file.toString());
        wait.until(ExpectedConditions.attributeContains(By.id("document-text"), "value", marker));
        assertThat(browser.findElement(By.id("document-title")).getDomProperty("value")).isEqualTo("zebra-notes");
        browser.findElement(By.id("document-add")).click();
        By pasted = addPastedDocument("Pasted <b>notes</b>", "Okapis live in forests.");
        By fromFile = By.xpath("//ul[@id='documents']/li[.//span[@class='title' and .='zebra-notes']]");
        wait.until(ExpectedConditions.attributeToBe(fromFile, "data-status", "ready"));
        wait.until(ExpectedConditions.attributeToBe(pasted, "data-status", "ready"));
        assertThat(browser.findElement(fromFile).getText()).contains("ready");
        assertThat(browser.findElements(By.cssSelector("#documents b"))).as("a title is text").isEmpty();
        screenshot("knowledge.png");
        // the open panel fits the window: nothing pushed off to the side (a grid column's min-content once did)
        assertThat(browser.executeScript("return document.documentElement.scrollWidth <= window.innerWidth;"))
                .as("no horizontal overflow with the panel open").isEqualTo(true);

        browser.findElement(memory).findElement(By.cssSelector("button.delete")).click();
        wait.until(ExpectedConditions.numberOfElementsToBe(memory, 0));
        browser.findElement(fromFile).findElement(By.cssSelector("button.delete")).click();
        wait.until(ExpectedConditions.numberOfElementsToBe(fromFile, 0));

        // read again from the server: both are gone, the other document stays
        browser.findElement(By.id("knowledge-refresh")).click();
        wait.until(ExpectedConditions.numberOfElementsToBe(pasted, 1));
        assertThat(browser.findElements(memory)).isEmpty();
        assertThat(browser.findElements(fromFile)).isEmpty();
        assertThat(browser.findElement(pasted).getDomAttribute("data-status")).isEqualTo("ready");
        screenshot("knowledge-deleted.png");
    }

    @Test
    void exportsASessionAsMarkdownAndJson(@TempDir Path downloads) throws Exception {
        signIn(newUser());
        String text = "Export me " + UUID.randomUUID();
        send(text);
        waitForAnswers(1);
        String answer = answerText();

        browser.findElement(By.id("export-markdown")).click();
        WebElement link = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("export-link")));
        wait.until(ExpectedConditions.attributeToBe(link, "data-format", "markdown"));
        assertThat(link.getDomAttribute("download")).isEqualTo(text + ".md");
        browser.executeCdpCommand("Browser.setDownloadBehavior",
                java.util.Map.of("behavior", "allow", "downloadPath", downloads.toString()));
        String markdown = download(link, downloads.resolve(text + ".md"));
        assertThat(markdown).contains(text).contains("You said");
        screenshot("exported.png");

        browser.findElement(By.id("export-json")).click();
        wait.until(ExpectedConditions.attributeToBe(By.id("export-link"), "data-format", "json"));
        link = browser.findElement(By.id("export-link"));
        assertThat(link.getDomAttribute("download")).isEqualTo(text + ".json");
        JsonNode json = JSON.readTree(download(link, downloads.resolve(text + ".json")));
        assertThat(json.toString()).contains(text).contains(answer.substring(0, 30));
    }

    @Test
    void searchesAcrossTwoSessionsAndOpensAResult() {
        signIn(newUser());
        String word = "kumquat" + UUID.randomUUID().toString().substring(0, 6);
        String firstTitle = "About the first " + word;
        String secondTitle = "About the second " + word;
        send(firstTitle);
        waitForAnswers(1);
        browser.findElement(By.id("new-chat")).click();
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#transcript li.msg"), 0));
        send(secondTitle);
        waitForAnswers(1);

        browser.findElement(By.id("search-query")).sendKeys(word);
        browser.findElement(By.id("search-go")).click();
        By results = By.cssSelector("#search-results button.search-result");
        wait.until(d -> d.findElements(results).stream().map(b -> b.getDomAttribute("data-session-id")).distinct()
                .count() == 2);
        List<WebElement> found = browser.findElements(results);
        assertThat(found).allSatisfy(r -> assertThat(r.findElement(By.className("excerpt")).getText()).contains(word));
        screenshot("search.png");
        WebElement first = found.stream()
                .filter(r -> r.findElement(By.className("title")).getText().equals(firstTitle)).findFirst().orElseThrow();
        first.click();
        wait.until(ExpectedConditions.textToBe(By.id("session-title"), firstTitle));
        wait.until(ExpectedConditions.numberOfElementsToBe(ANSWER, 1));
        assertThat(browser.findElement(QUESTION).findElement(By.className("text")).getText()).isEqualTo(firstTitle);
    }

    private By addPastedDocument(String title, String text) {
        wait.until(d -> d.findElement(By.id("document-text")).getDomProperty("value").isEmpty()); // the last one was sent
        browser.findElement(By.id("document-title")).sendKeys(title);
        browser.findElement(By.id("document-text")).sendKeys(text);
        browser.findElement(By.id("document-add")).click();
        return By.xpath("//ul[@id='documents']/li[.//span[@class='title' and .='" + title + "']]");
    }

    private void assertNothingRan() {
        assertThat(browser.executeScript("return window.pwned === undefined;")).as("no script of the message ran")
                .isEqualTo(true);
        assertThat(browser.findElements(By.cssSelector("#transcript img, #transcript script"))).isEmpty();
    }

    /** Clicks a download link and answers the text of the file the browser saved. */
    private String download(WebElement link, Path file) throws Exception {
        link.click();
        wait.until(d -> Files.isRegularFile(file) && !Files.exists(file.resolveSibling(file.getFileName() + ".crdownload")));
        return Files.readString(file);
    }

    private String answerText() {
        return browser.findElement(ANSWER).findElement(By.className("text")).getText();
    }

    private void waitForAnswers(int n) {
        wait.until(d -> {
            List<WebElement> answers = d.findElements(ANSWER);
            return answers.size() == n && answers.stream().allMatch(a -> "done".equals(a.getDomAttribute("data-state")));
        });
    }

    private void chooseScriptedModel() {
        wait.until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#model option[value='" + StackFixture.SCRIPTED + "']")));
        new Select(browser.findElement(By.id("model"))).selectByValue(StackFixture.SCRIPTED);
    }

    /** The open session's id, once the conversations list shows it. */
    private String openSessionId() {
        return wait.until(d -> (String) ((JavascriptExecutor) d).executeScript(
                "return document.querySelector('#sessions button[aria-current=\"true\"]')?.dataset.sessionId ?? null;"));
    }

    /** Reloads the page (the tab signs in again as its user) and opens the conversation {@code sessionId}. */
    private void reopen(String sessionId) {
        browser.navigate().refresh();
        wait.until(ExpectedConditions.attributeToBe(STATUS, "data-state", "open"));
        By session = By.cssSelector("#sessions button.session[data-session-id='" + sessionId + "']");
        wait.until(ExpectedConditions.elementToBeClickable(session)).click();
        wait.until(ExpectedConditions.numberOfElementsToBeMoreThan(By.cssSelector("#transcript li.msg"), 0));
    }

    private static String newUser() {
        return "features-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Opens the page signed out (a tab remembers its user), signs in as {@code user} and waits for the connection. */
    private void signIn(String user) {
        browser.get(stack.pageUrl() + "config.json");
        browser.executeScript("sessionStorage.clear();");
        browser.get(stack.pageUrl());
        wait.until(ExpectedConditions.elementToBeClickable(By.id("user"))).sendKeys(user);
        wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("#login button[type=submit]"))).click();
        wait.until(ExpectedConditions.attributeToBe(STATUS, "data-state", "open"));
    }

    private void send(String text) {
        HeadlessChromium.send(wait, text);
    }

    private static void screenshot(String name) {
        HeadlessChromium.screenshot(browser, name);
    }
}
