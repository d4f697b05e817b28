package dev.switchboard.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.config.Setting;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The chat page's OIDC sign-in (authorization code with PKCE) in a real browser ({@link HeadlessChromium}): a local
 * stack whose authorizer verifies RS256 tokens against the JWKS of a {@link TestOidcProvider}, and whose config.json
 * says {@code signIn: "oidc"}, as the stack on AWS does with Cognito. The provider's tokens live {@link #LIFETIME}, so
 * the page renews them (refresh-token grant) and reconnects while the test chats. Screenshots go to
 * infra/target/browser (oidc-chat.png, oidc-refused.png; NAME-failure.png when a test fails).
 */
class BrowserOidcSignInIT {
    private static final String CLIENT_ID = "switchboard-page-test";
    /** Short, so a renewal (at four fifths of it) happens within the test. */
    private static final Duration LIFETIME = Duration.ofSeconds(8);
    private static final Duration TURN = Duration.ofSeconds(30);
    private static final By STATUS = By.id("status");
    private static final By DONE = By.cssSelector("#transcript li.assistant[data-state='done']");

    private static TestOidcProvider oidc;
    private static LocalStack stack;
    private static ChromeDriver browser;
    private static String pageUrl;
    private WebDriverWait wait;

    @RegisterExtension
    static final TestWatcher SCREENSHOT_ON_FAILURE = HeadlessChromium.screenshotOnFailure(() -> browser);

    @BeforeAll
    static void start() {
        int port = Ports.pick(0);
        pageUrl = "http://127.0.0.1:" + port + "/";
        oidc = TestOidcProvider.start(CLIENT_ID, pageUrl, LIFETIME);
        stack = LocalStack.start(LocalStack.Options.defaults()
                .withPort(port)
                .withEnv(Map.of(Setting.AUTH_MODE.name(), "jwks",
                        Setting.JWKS_URL.name(), oidc.jwksUrl(),
                        Setting.JWT_ISSUER.name(), oidc.issuer(),
                        Setting.JWT_AUDIENCE.name(), CLIENT_ID,
                        "OFFLINE_DELAY_MILLIS", "15", "DELTA_FLUSH_MILLIS", "40"))
                .withPageConfig(Map.of("signIn", "oidc", "issuer", oidc.issuer(), "clientId", CLIENT_ID,
                        "scopes", "openid email profile", "redirectUri", pageUrl, "tokenType", "id_token",
                        "logoutEndpoint", oidc.issuer() + "/logout")));
        browser = HeadlessChromium.start();
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (stack != null) {
            stack.close();
        }
        if (oidc != null) {
            oidc.close();
        }
    }

    @BeforeEach
    void signedOut() {
        // the page re-renders the transcript (a reconnect reads the open session again): look again, don't fail
        wait = new WebDriverWait(browser, TURN, Duration.ofMillis(50));
        wait.ignoring(StaleElementReferenceException.class);
        // forget the tab's sign-in on a page of the origin that runs no script (the chat page might be renewing)
        browser.get(pageUrl + "config.json");
        browser.executeScript("sessionStorage.clear();");
        browser.get(pageUrl);
    }

    @Test
    void signsInWithPkceKeepsTokensOutOfUrlsAndStorageAndChatsOnAcrossRenewals() {
        HeadlessChromium.withSocketHandles(browser, () -> {
            int grants = oidc.codeGrants();
            browser.navigate().refresh();
            signIn();
            wait.until(ExpectedConditions.attributeToBe(STATUS, "data-state", "open"));
            assertThat(browser.findElement(STATUS).getText()).isEqualTo("Connected as " + TestOidcProvider.EMAIL);
            assertThat(oidc.codeGrants()).as("codes exchanged").isEqualTo(grants + 1);
            assertThat(browser.getCurrentUrl()).as("the address bar after the return").isEqualTo(pageUrl);
            assertNoTokenOutsideTheTab();

            send("Hello through OIDC");
            wait.until(ExpectedConditions.numberOfElementsToBe(DONE, 1));
            assertThat(browser.findElement(DONE).findElement(By.className("text")).getText())
                    .contains("You said: \"Hello through OIDC\"");
            assertThat(Integer.parseInt(browser.findElement(DONE).getDomAttribute("data-deltas"))).as("streamed deltas")
                    .isGreaterThan(1);

            // the token lives 8 s: the page refreshes it and opens a connection with the new token in place of the old
            int refreshes = oidc.refreshGrants();
            wait.until(d -> oidc.refreshGrants() > refreshes && sockets() >= 2
                    && "open".equals(d.findElement(STATUS).getDomAttribute("data-state")));
            @SuppressWarnings("unchecked")
            List<List<String>> protocols = (List<List<String>>) browser.executeScript(
                    "return window.pageSocketProtocols;");
            assertThat(protocols).allSatisfy(p -> assertThat(p).hasSize(2).first().isEqualTo("switchboard.v1"));
            assertThat(protocols.getLast().get(1)).as("the newest connection's token")
                    .isNotEqualTo(protocols.getFirst().get(1)).isIn(oidc.issuedTokens());

            send("Still signed in?");
            wait.until(d -> d.findElements(DONE).stream()
                    .anyMatch(a -> a.getText().contains("You said: \"Still signed in?\"")));
            assertThat(oidc.codeGrants()).as("a renewal signs in no one again").isEqualTo(grants + 1);
            assertThat(browser.getCurrentUrl()).isEqualTo(pageUrl);
            assertNoTokenOutsideTheTab();
            HeadlessChromium.screenshot(browser, "oidc-chat.png");

            int logouts = oidc.logouts();
            browser.findElement(By.id("sign-out")).click();
            wait.until(ExpectedConditions.elementToBeClickable(By.id("oidc-sign-in")));
            assertThat(oidc.logouts()).as("the issuer's logout endpoint was visited").isEqualTo(logouts + 1);
            assertThat(browser.executeScript("return sessionStorage.getItem('switchboard.oidc.tokens');")).isNull();
        });
    }

    @Test
    void withoutARefreshTokenThePageSignsInAgainBeforeTheTokenExpires() {
        oidc.issueRefreshTokens(false);
        try {
            int authorizations = oidc.authorizations();
            int grants = oidc.codeGrants();
            int refreshes = oidc.refreshGrants();
            browser.navigate().refresh();
            signIn();
            wait.until(ExpectedConditions.attributeToBe(STATUS, "data-state", "open"));
            send("Before the second sign-in");
            wait.until(ExpectedConditions.numberOfElementsToBe(DONE, 1));

            // no refresh token: near expiry the page goes through the issuer again (signed in there: no form)
            wait.until(d -> oidc.codeGrants() >= grants + 2
                    && "open".equals(d.findElement(STATUS).getDomAttribute("data-state")));
            assertThat(oidc.authorizations()).isGreaterThanOrEqualTo(authorizations + 2);
            assertThat(oidc.refreshGrants()).as("refresh grants").isEqualTo(refreshes);
            assertThat(browser.getCurrentUrl()).isEqualTo(pageUrl);
            By session = By.xpath("//ul[@id='sessions']//button[contains(., 'Before the second sign-in')]");
            wait.until(ExpectedConditions.elementToBeClickable(session)).click();
            wait.until(ExpectedConditions.numberOfElementsToBe(DONE, 1));
            send("After the second sign-in");
            wait.until(ExpectedConditions.numberOfElementsToBe(DONE, 2));
            assertNoTokenOutsideTheTab();
        } finally {
            oidc.issueRefreshTokens(true);
        }
    }

    @Test
    void aConnectionThatOutlivesItsTokenRenewsItWhenRefusedAndSendsTheMessageAgain() {
        HeadlessChromium.withSocketHandles(browser, () -> {
            browser.navigate().refresh();
            signIn();
            wait.until(ExpectedConditions.attributeToBe(STATUS, "data-state", "open"));
            send("While the token is fresh");
            wait.until(ExpectedConditions.numberOfElementsToBe(DONE, 1));

            // the issuer cannot renew it in time: the connection is still open when its token has expired
            int refused = oidc.refusedRefreshes();
            int refreshes = oidc.refreshGrants();
            oidc.refuseRefreshes(true);
            try {
                wait.until(d -> oidc.refusedRefreshes() > refused && (Boolean) browser.executeScript(
                        "return JSON.parse(sessionStorage.getItem('switchboard.oidc.tokens')).expiresAt < Date.now();"));
            } finally {
                oidc.refuseRefreshes(false);
            }
            assertThat(sockets()).as("connections so far").isEqualTo(1);
            send("After the token expired");
            // the server answers TOKEN_EXPIRED; the page renews the token, reconnects and sends the message again
            wait.until(d -> d.findElements(DONE).stream()
                    .anyMatch(a -> a.getText().contains("You said: \"After the token expired\"")));
            assertThat(oidc.refreshGrants()).isGreaterThan(refreshes);
            assertThat(sockets()).isGreaterThanOrEqualTo(2);
            assertThat(browser.findElements(By.cssSelector("#transcript li.error"))).as("errors shown").isEmpty();
        });
    }

    @Test
    void anAnswerThisTabDidNotAskForIsRefusedAndLeavesTheAddressBar() throws Exception {
        int grants = oidc.codeGrants();
        browser.get(pageUrl + "?code=stolen-code&state=forged");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("oidc-error"), "state differs"));
        assertThat(browser.getCurrentUrl()).isEqualTo(pageUrl);
        assertThat(oidc.codeGrants()).as("no code was exchanged").isEqualTo(grants);
        assertThat(browser.findElement(By.id("chat")).isDisplayed()).isFalse();
        HeadlessChromium.screenshot(browser, "oidc-refused.png");

        // the page's side on the server: config.json, a CSP that lets it reach the issuer, no development tokens
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> config = get(http, pageUrl + "config.json");
        assertThat(config.body()).contains("\"signIn\":\"oidc\"").contains("\"clientId\":\"" + CLIENT_ID + "\"")
                .contains("\"webSocketUrl\":\"" + stack.webSocketUrl() + "\"");
        assertThat(get(http, pageUrl).headers().firstValue("Content-Security-Policy").orElseThrow())
                .contains("connect-src 'self' ws://127.0.0.1:* ws://localhost:* " + oidc.issuer() + ";");
        assertThat(get(http, pageUrl + "dev/token?user=someone").statusCode()).isEqualTo(404);
    }

    /** No token the provider issued is in the address bar, localStorage or any URL the page loaded. */
    private void assertNoTokenOutsideTheTab() {
        String outside = (String) browser.executeScript("""
                return [location.href, JSON.stringify({...localStorage}),
                  ...performance.getEntries().map((e) => e.name)].join('\\n');
                """);
        assertThat(browser.executeScript("return localStorage.length;")).isEqualTo(0L);
        assertThat(oidc.issuedTokens()).isNotEmpty().allSatisfy(t -> assertThat(outside).doesNotContain(t));
    }

    /** Clicks Sign in once the page shows it (found and clicked again if the page was replaced meanwhile). */
    private void signIn() {
        wait.until(d -> {
            WebElement button = d.findElement(By.id("oidc-sign-in"));
            if (!button.isDisplayed()) {
                return false;
            }
            button.click();
            return true;
        });
    }

    private static long sockets() {
        return (Long) browser.executeScript("return window.pageSockets.length;");
    }

    private void send(String text) {
        HeadlessChromium.send(wait, text);
    }

    private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
        return HeadlessChromium.get(http, url);
    }
}
