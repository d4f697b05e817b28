package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The chat page (infra/src/main/resources/web) in a real browser ({@link HeadlessChromium}) on the local stack, with
 * its development sign-in. Screenshots go to infra/target/browser (chat.png; NAME-failure.png when a test fails).
 */
class BrowserChatIT {
    private static final Duration TURN = Duration.ofSeconds(30);
    private static final By STATUS = By.id("status");
    private static final By ANSWER = By.cssSelector("#transcript li.assistant");

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
    void signsInStreamsAnAnswerAndShowsTheHistoryAfterAReload() {
        String text = "Hello from the browser";
        signIn(newUser());
        // every text the answer element shows while it streams (each delta changes the DOM once)
        browser.executeScript("""
                window.answerTexts = [];
                new MutationObserver(() => {
                  const a = document.querySelector('#transcript li.assistant .text');
                  if (a && a.textContent && window.answerTexts.at(-1) !== a.textContent) {
                    window.answerTexts.push(a.textContent);
                  }
                }).observe(document.getElementById('transcript'), {childList: true, subtree: true, characterData: true});
                """);
        send(text);

        wait.until(ExpectedConditions.attributeToBe(ANSWER, "data-state", "done"));
        WebElement answer = browser.findElement(ANSWER);
        String answerText = answer.findElement(By.className("text")).getText();
        assertThat(answerText).startsWith("[offline model: no model is configured]")
                .contains("You said: \"" + text + "\"");
        assertThat(answer.findElement(By.className("meta")).getText()).contains("switchboard-offline-echo");
        assertThat(Integer.parseInt(answer.getDomAttribute("data-deltas"))).as("deltas the page received")
                .isGreaterThan(1)
                .isEqualTo(Integer.parseInt(answer.getDomAttribute("data-expected-deltas")));
        @SuppressWarnings("unchecked")
        List<String> seen = (List<String>) browser.executeScript("return window.answerTexts;");
        assertThat(seen).as("the answer's text while it streamed").hasSizeGreaterThan(1).last().isEqualTo(answerText);
        for (int i = 1; i < seen.size(); i++) {
            assertThat(seen.get(i)).as("each text continues the one before").startsWith(seen.get(i - 1));
        }

        // reload: the tab signs in again as the same user; the conversation is listed under its first message
        browser.navigate().refresh();
        wait.until(ExpectedConditions.attributeToBe(STATUS, "data-state", "open"));
        By session = By.xpath("//ul[@id='sessions']//button[contains(., '" + text + "')]");
        wait.until(ExpectedConditions.elementToBeClickable(session)).click();
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#transcript li.msg"), 2));
        List<WebElement> history = browser.findElements(By.cssSelector("#transcript li.msg"));
        assertThat(history.get(0).getDomAttribute("class")).contains("user");
        assertThat(history.get(0).findElement(By.className("text")).getText()).isEqualTo(text);
        assertThat(history.get(1).getDomAttribute("class")).contains("assistant");
        assertThat(history.get(1).findElement(By.className("text")).getText()).isEqualTo(answerText);
        assertThat(browser.findElement(By.id("session-title")).getText()).isEqualTo(text);
        screenshot("chat.png");
    }

    @Test
    void aNewChatWithAChosenModelAsksBeforeARiskyToolRuns() {
        signIn(newUser());
        wait.until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#model option[value='" + StackFixture.SCRIPTED + "']")));
        new Select(browser.findElement(By.id("model"))).selectByValue(StackFixture.SCRIPTED);
        send("use tool wipe_records {\"table\":\"orders\"}");

        By tool = By.cssSelector("#transcript li.tool");
        wait.until(ExpectedConditions.attributeToBe(tool, "data-status", "pending"));
        assertThat(browser.findElement(tool).getText()).contains("wipe_records needs your approval")
                .contains("\"table\":\"orders\"");
        assertThat(browser.findElement(By.id("cancel")).isDisplayed()).as("Cancel while the turn is open").isTrue();
        browser.findElement(By.xpath("//li[contains(@class,'tool')]//button[.='Approve']")).click();

        wait.until(ExpectedConditions.attributeToBe(ANSWER, "data-state", "done"));
        assertThat(browser.findElement(ANSWER).findElement(By.className("text")).getText())
                .isEqualTo("Tool said: Wiped all records of orders");
        assertThat(browser.findElement(ANSWER).findElement(By.className("meta")).getText()).contains("scripted");
        assertThat(browser.findElement(tool).getDomAttribute("data-status")).isEqualTo("done");
        assertThat(browser.findElement(tool).findElements(By.tagName("button"))).isEmpty();
        wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("cancel")));
    }

    @Test
    void reconnectsAfterTheConnectionDropsAndChatsOn() {
        withSocketHandles(() -> {
            signIn(newUser());
            browser.executeScript("window.pageSockets.at(-1).close();");
            wait.until(ExpectedConditions.attributeToBe(STATUS, "data-state", "reconnecting"));
            wait.until(ExpectedConditions.attributeToBe(STATUS, "data-state", "open"));
            assertThat(browser.executeScript("return window.pageSockets.length;")).isEqualTo(2L);

            send("Still there?");
            wait.until(ExpectedConditions.attributeToBe(ANSWER, "data-state", "done"));
            assertThat(browser.findElement(ANSWER).findElement(By.className("text")).getText())
                    .contains("You said: \"Still there?\"");
        });
    }

    @Test
    void anAnswerStreamingWhenTheConnectionDropsResumesAfterTheReconnect() {
        withSocketHandles(() -> {
            signIn(newUser());
            wait.until(ExpectedConditions.presenceOfElementLocated(
                    By.cssSelector("#model option[value='" + StackFixture.SCRIPTED + "']")));
            new Select(browser.findElement(By.id("model"))).selectByValue(StackFixture.SCRIPTED);
            send(StackFixture.LONG_ANSWER);
            wait.until(d -> {
                var a = d.findElements(ANSWER);
                return !a.isEmpty() && Integer.parseInt(a.getFirst().getDomAttribute("data-deltas")) >= 3;
            });
            browser.executeScript("window.pageSockets.at(-1).close();");
            wait.until(ExpectedConditions.attributeToBe(STATUS, "data-state", "reconnecting"));
            wait.until(ExpectedConditions.attributeToBe(STATUS, "data-state", "open"));
            assertThat(browser.executeScript("return window.pageSockets.length;")).isEqualTo(2L);

            wait.until(ExpectedConditions.attributeToBe(ANSWER, "data-state", "done"));
            String shown = browser.findElement(ANSWER).findElement(By.className("text")).getText();
            assertThat(shown.split(" ")).as("every word of the long answer").hasSize(400);
            // what is stored is what the page shows
            browser.navigate().refresh();
            wait.until(ExpectedConditions.attributeToBe(STATUS, "data-state", "open"));
            By session = By.xpath("//ul[@id='sessions']//button[contains(., '" + StackFixture.LONG_ANSWER + "')]");
            wait.until(ExpectedConditions.elementToBeClickable(session)).click();
            wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#transcript li.msg"), 2));
            assertThat(browser.findElements(By.cssSelector("#transcript li.msg")).get(1)
                    .findElement(By.className("text")).getText()).isEqualTo(shown);
        });
    }

    @Test
    void servesThePageAndDevelopmentTokensOnlyAndKeepsTheConnectionsApi() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String base = stack.pageUrl();
        HttpResponse<String> token = get(http, base + "dev/token?user=dev.user_1-x");
        assertThat(token.statusCode()).isEqualTo(200);
        assertThat(token.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(token.body()).contains("\"token\":\"ey").contains("\"webSocketUrl\":\"" + stack.webSocketUrl() + "\"");
        for (String bad : List.of("", "a%20b", "x".repeat(65), "a/b", "%C3%A9")) {
            assertThat(get(http, base + "dev/token?user=" + bad).statusCode()).as("user '%s'", bad).isEqualTo(400);
        }
        assertThat(get(http, base + "dev/token").statusCode()).isEqualTo(400);

        HttpResponse<String> config = get(http, base + "config.json");
        assertThat(config.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(config.body()).isEqualTo("{\"webSocketUrl\":\"" + stack.webSocketUrl() + "\",\"signIn\":\"dev\"}");

        HttpResponse<String> page = get(http, base);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(get(http, base + "app.js").headers().firstValue("Content-Type"))
                .hasValue("text/javascript; charset=utf-8");
        assertThat(get(http, base + "style.css").headers().firstValue("Content-Type"))
                .hasValue("text/css; charset=utf-8");
        for (String missing : List.of("nope.js", "log4j2.xml", "local", "web/app.js", "dev/token/x")) {
            assertThat(get(http, base + missing).statusCode()).as(missing).isEqualTo(404);
        }
        for (String outside : List.of("..%2flog4j2.xml", "%2e%2e/log4j2.xml", "a/..%2f..%2fpom.xml")) {
            assertThat(get(http, base + outside).statusCode()).as(outside).isBetween(400, 404);
        }
        // the @connections API keeps its paths: an unknown connection is Gone, as on API Gateway
        assertThat(get(http, stack.callbackUrl() + "/@connections/bm90LWEtY29ubmVjdGlvbg=").statusCode())
                .isEqualTo(410);
    }

    private static String newUser() {
        return "browser-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private void withSocketHandles(Runnable steps) {
        HeadlessChromium.withSocketHandles(browser, steps);
    }

    /** Opens the page signed out (a tab remembers its user), signs in as {@code user} and waits for the connection. */
    private void signIn(String user) {
        // forget the tab's user on a page of the origin that runs no script (the chat page would sign in again)
        browser.get(stack.pageUrl() + "config.json");
        browser.executeScript("sessionStorage.clear();");
        browser.get(stack.pageUrl());
        // the sign-in form shows once the page's script has read config.json: wait for it, don't race it
        wait.until(ExpectedConditions.elementToBeClickable(By.id("user"))).sendKeys(user);
        wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("#login button[type=submit]"))).click();
        wait.until(ExpectedConditions.attributeToBe(STATUS, "data-state", "open"));
    }

    private void send(String text) {
        HeadlessChromium.send(wait, text);
    }

    private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
        return HeadlessChromium.get(http, url);
    }

    private static void screenshot(String name) {
        HeadlessChromium.screenshot(browser, name);
    }
}
